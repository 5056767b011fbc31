"""The Redis connection for counters and locks (the cache API has neither a lock nor INCR
that creates the key)."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


def redis_client() -> redis.Redis:
    return _client_for(settings.REDIS_URL)


@cache
def _client_for(url: str) -> redis.Redis:
    """One pooled client per URL, so a changed REDIS_URL (tests, failover) gets its own."""
    return redis.Redis.from_url(url)


def key(*parts: object) -> str:
    return "arena:leaderboard:" + ":".join(str(p) for p in parts)
