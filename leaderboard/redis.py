"""The Redis connection for counters and locks (the cache API has neither a lock nor INCR
that creates the key)."""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings


@cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def key(*parts: object) -> str:
    return "arena:leaderboard:" + ":".join(str(p) for p in parts)
