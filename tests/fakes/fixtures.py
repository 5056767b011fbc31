"""Pytest fixtures for the fake OpenAI server.

Import the fixture into a test module (or a conftest) and request `fake_openai`:

    from tests.fakes.fixtures import fake_openai_fixture  # noqa: F401

    async def test_it_streams(fake_openai: FakeOpenAIServer): ...

`from tests.fakes.fixtures import fake_openai` works too, but then ruff reports F811 on every
test that takes the fixture as an argument; the `_fixture` name avoids that.

One server serves the whole session; find your requests with `requests_for(model)` or a unique
prompt rather than clearing `requests`, so tests stay independent of their order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.media_server import FakeMediaServer
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture(scope="session", name="fake_openai")
def fake_openai_fixture() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


fake_openai = fake_openai_fixture


@pytest.fixture(scope="session", name="fake_media")
def fake_media_fixture() -> Iterator[FakeMediaServer]:
    with FakeMediaServer() as server:
        yield server
