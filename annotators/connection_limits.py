"""Caps on open WebSockets per annotator and per client address, held in Redis so they hold
across every web process.

Each open socket holds a lease: a member of a sorted set per annotator and per address, scored
by the time it expires. One Lua script drops expired leases, checks every cap and only then
adds the new lease to all sets, so concurrent connects cannot overshoot. A socket renews its
lease while it is open and removes it on disconnect; if its process dies without saying so,
the lease simply expires (`ARENA_WEBSOCKET_LEASE_SECONDS`), and the place is free again.

A Redis outage lets sockets open (logged): the caps protect capacity, they are not worth
taking the arena down with Redis. Each prompt is still rate limited.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings

from arena.redis_client import redis_client
from battles.services.errors import ArenaError

logger = logging.getLogger(__name__)

_TAKE = """
local now = tonumber(ARGV[1])
local expires = tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[3 + i]) then
    return i
  end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], expires, ARGV[3])
  redis.call('PEXPIREAT', KEYS[i], expires)
end
return 0
"""

_RENEW = """
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', ARGV[1], ARGV[2])
  redis.call('PEXPIREAT', KEYS[i], ARGV[1])
end
return 0
"""


class TooManyConnections(ArenaError):
    code = "too_many_connections"
    status = 429


@functools.cache
def _scripts(url: str) -> tuple[Any, Any]:
    client = redis_client()
    return client.register_script(_TAKE), client.register_script(_RENEW)


def _lease_ms() -> int:
    return int(settings.ARENA_WEBSOCKET_LEASE_SECONDS * 1000)


@dataclass(frozen=True)
class ConnectionLease:
    """The places one open socket holds; `renew` while open, `release` when it closes."""

    keys: tuple[str, ...]
    member: str

    def renew(self) -> None:
        if self.keys:
            expires = int(time.time() * 1000) + _lease_ms()
            _scripts(settings.REDIS_URL)[1](keys=list(self.keys), args=[expires, self.member])

    def release(self) -> None:
        if self.keys:
            pipe = redis_client().pipeline()
            for key in self.keys:
                pipe.zrem(key, self.member)
            pipe.execute()


def _caps(*, annotator_id: object, ip: str | None) -> list[tuple[str, int, str]]:
    caps = [
        (annotator_id, settings.ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR, "annotator",
         "You have too many arena pages open; close some and reload this one."),
        (ip, settings.ARENA_MAX_WEBSOCKETS_PER_IP, "ip",
         "Too many arena pages are open from your network; please try again later."),
    ]
    return [(f"arena:sockets:{kind}:{who}", int(cap), message)
            for who, cap, kind, message in caps if who is not None and cap > 0]


def websocket_lease_take(*, annotator_id: object, ip: str | None) -> ConnectionLease:
    """A place for one more open socket, or TooManyConnections if a cap is reached."""
    caps = _caps(annotator_id=annotator_id, ip=ip)
    member = uuid.uuid4().hex
    if not caps:
        return ConnectionLease((), member)
    now = int(time.time() * 1000)
    try:
        full = _scripts(settings.REDIS_URL)[0](
            keys=[key for key, _, _ in caps],
            args=[now, now + _lease_ms(), member, *[cap for _, cap, _ in caps]],
        )
    except redis.RedisError as error:
        logger.warning("WebSocket caps not checked, Redis unavailable: %s", error)
        return ConnectionLease((), member)
    if full:
        raise TooManyConnections(caps[int(full) - 1][2])
    return ConnectionLease(tuple(key for key, _, _ in caps), member)


async def lease_keep(lease: ConnectionLease) -> None:
    """Renew the lease every third of its life until cancelled (the socket closed)."""
    while True:
        await asyncio.sleep(settings.ARENA_WEBSOCKET_LEASE_SECONDS / 3)
        try:
            await asyncio.to_thread(lease.renew)
        except redis.RedisError as error:
            logger.warning("WebSocket lease not renewed, Redis unavailable: %s", error)


async def lease_end(lease: ConnectionLease, keeper: asyncio.Task[None] | None) -> None:
    if keeper is not None:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
    try:
        await asyncio.to_thread(lease.release)
    except redis.RedisError as error:  # it expires on its own
        logger.warning("WebSocket lease not released, Redis unavailable: %s", error)
