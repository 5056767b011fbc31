"""Pytest fixtures for the fake OpenAI server.

    from tests.fakes.fixtures import fake_openai  # noqa: F401

One server serves the whole session; filter `fake_openai.requests` with `requests_for(model)` or
a unique prompt rather than clearing it, so tests stay independent of order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server
