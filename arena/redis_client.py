"""A plain Redis client for counters that need more than the cache API (lists, hashes).

Short timeouts: these counters are advisory, so a Redis outage must cost callers a second at
most, never hang a request or a stream. One client per URL, so tests that point REDIS_URL at
another server get a client for it.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings

TIMEOUT_S = 1.0


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S, health_check_interval=30
    )


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)
