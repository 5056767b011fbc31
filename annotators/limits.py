"""Sliding-window rate limits held in Redis, safe under concurrent requests.

Each rule is a sorted set of request timestamps. One Lua script trims every window of an
action, checks all of them and, only if none is full, records the request in all of them, so
concurrent requests can never overshoot a limit and a refused request costs nothing. A request
that is let through but then rejected (a vote on a battle that is not ready, say) hands its
place back (`rate_limited`), so only what was accepted counts.
Limits come from `settings.ARENA_RATE_LIMITS`: {action: {rule: (limit, window_seconds)}},
where a rule named `annotator...` counts per annotator and `ip...` per client address;
a limit of 0 turns the rule off.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest

from annotators.client_ip import client_ip_from_request, client_ip_from_scope
from annotators.models import Annotator
from arena.redis_client import redis_client
from battles.models import Vote
from battles.services.errors import ArenaError

_SCRIPT = """
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i + 1])
  local limit = tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    return {i, math.max(0, tonumber(oldest[2]) + window - now)}
  end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i + 1]))
end
return {0, 0}
"""

_MESSAGES = {
    "prompt": "You are sending prompts faster than this arena allows.",
    "vote": "You are voting faster than this arena allows.",
    "identity": "Too many new participants from your network.",
    "upload": "You are uploading images faster than this arena allows.",
}


class RateLimited(ArenaError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class _Rule:
    name: str
    key: str
    limit: int
    window_ms: int


@functools.cache
def _script(url: str) -> Any:
    """The window script on this URL's server, sent by its SHA (EVALSHA) after the first call."""
    return redis.Redis.from_url(url).register_script(_SCRIPT)


def _rules(action: str, *, annotator_id: object, ip: str | None) -> list[_Rule]:
    rules = []
    for name, (limit, window_s) in settings.ARENA_RATE_LIMITS.get(action, {}).items():
        who = annotator_id if name.startswith("annotator") else ip
        if limit <= 0 or who is None:
            continue
        rules.append(
            _Rule(name, f"arena:limit:{action}:{name}:{who}", int(limit), int(window_s * 1000))
        )
    return rules


@dataclass(frozen=True)
class Hit:
    """One counted request: the windows it was recorded in, under its own member id."""

    keys: tuple[str, ...]
    member: str

    def refund(self) -> None:
        """Hand the place back: the request it counted was not accepted after all."""
        if self.keys:
            pipe = redis_client().pipeline()
            for key in self.keys:
                pipe.zrem(key, self.member)
            pipe.execute()


def rate_limit_hit(*, action: str, annotator_id: object, ip: str | None) -> Hit:
    """Count one `action`, or raise RateLimited (HTTP 429 / code rate_limited) if a window is full."""
    rules = _rules(action, annotator_id=annotator_id, ip=ip)
    member = uuid.uuid4().hex
    if not rules:
        return Hit((), member)
    args: list[int | str] = [int(time.time() * 1000), member]
    for rule in rules:
        args += [rule.window_ms, rule.limit]
    full, wait_ms = _script(settings.REDIS_URL)(keys=[r.key for r in rules], args=args)
    if not full:
        return Hit(tuple(r.key for r in rules), member)
    rule = rules[int(full) - 1]
    retry_after_s = max(1, math.ceil(int(wait_ms) / 1000))
    if rule.window_ms >= 86_400_000:
        message = f"You reached the limit of {rule.limit} per day here; please come back later."
    elif retry_after_s >= 120:
        minutes = math.ceil(retry_after_s / 60)
        message = f"{_MESSAGES.get(action, 'Too many requests.')} Please try again in {minutes} minutes."
    else:
        message = f"{_MESSAGES.get(action, 'Too many requests.')} Please wait {retry_after_s} s."
    raise RateLimited(message, retry_after_s=retry_after_s)


@contextlib.contextmanager
def rate_limited(*, action: str, annotator_id: object, ip: str | None) -> Iterator[None]:
    """Count one `action` for the block; if the block raises (the request was rejected), the
    place is handed back, so a refused vote or form does not use up the quota."""
    hit = rate_limit_hit(action=action, annotator_id=annotator_id, ip=ip)
    try:
        yield
    except BaseException:
        hit.refund()
        raise


def prompt_rate_limit(*, annotator: Annotator | None, scope: dict[str, Any]) -> None:
    """For the battle WebSocket: one prompt (a new battle or a follow-up turn)."""
    if annotator is None:
        return
    rate_limit_hit(action="prompt", annotator_id=annotator.id, ip=client_ip_from_scope(scope))


@contextlib.contextmanager
def vote_rate_limit(*, request: HttpRequest, idempotency_key: object) -> Iterator[None]:
    """Around the vote API's store. A retry of a stored vote is free, so a vote is never lost to
    a limit, and a vote that is not stored (400, 409) costs nothing."""
    annotator = getattr(request, "auth", None)
    if not isinstance(annotator, Annotator) or (
        isinstance(idempotency_key, str)
        and Vote.objects.filter(idempotency_key=idempotency_key, annotator=annotator).exists()
    ):
        yield
        return
    with rate_limited(action="vote", annotator_id=annotator.id,
                      ip=client_ip_from_request(request)):
        yield


def identity_rate_limit(*, request: HttpRequest) -> contextlib.AbstractContextManager[None]:
    """Around creating a new annotator identity (consent): per client address, so a script
    cannot mint fresh identities to slip under the per-annotator limits."""
    return rate_limited(action="identity", annotator_id=None, ip=client_ip_from_request(request))
