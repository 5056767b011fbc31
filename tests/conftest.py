"""Shared fixtures. The database and Redis are the real servers the launcher started
(`make test`), or the ones DATABASE_URL / REDIS_URL point at."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.fakes.fixtures import fake_openai_fixture  # noqa: F401


@pytest.fixture(autouse=True)
def _redis_clean() -> None:
    """Tests share one Redis; start each with an empty cache (rate limits, counters)."""
    cache.clear()
