"""Sliding-window rate limits held in Redis, safe under concurrent requests.

Each rule is a sorted set of request timestamps. One Lua script trims every window of an
action, checks all of them and, only if none is full, records the request in all of them, so
concurrent requests can never overshoot a limit and a refused request costs nothing.
Limits come from `settings.ARENA_RATE_LIMITS`: {action: {rule: (limit, window_seconds)}},
where a rule named `annotator...` counts per annotator and `ip...` per client address;
a limit of 0 turns the rule off.
"""

from __future__ import annotations

import functools
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest

from annotators.models import Annotator
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


def rate_limit_hit(*, action: str, annotator_id: object, ip: str | None) -> None:
    """Count one `action`, or raise RateLimited (HTTP 429 / code rate_limited) if a window is full."""
    rules = _rules(action, annotator_id=annotator_id, ip=ip)
    if not rules:
        return
    args: list[int | str] = [int(time.time() * 1000), uuid.uuid4().hex]
    for rule in rules:
        args += [rule.window_ms, rule.limit]
    full, wait_ms = _script(settings.REDIS_URL)(keys=[r.key for r in rules], args=args)
    if not full:
        return
    rule = rules[int(full) - 1]
    retry_after_s = max(1, math.ceil(int(wait_ms) / 1000))
    if rule.window_ms >= 86_400_000:
        message = f"You reached the limit of {rule.limit} per day here; please come back later."
    else:
        message = f"{_MESSAGES.get(action, 'Too many requests.')} Please wait {retry_after_s} s."
    raise RateLimited(message, retry_after_s=retry_after_s)


def prompt_rate_limit(*, annotator: Annotator | None, scope: dict[str, Any]) -> None:
    """For the battle WebSocket: one prompt (a new battle or a follow-up turn)."""
    if annotator is None:
        return
    client = scope.get("client")
    rate_limit_hit(action="prompt", annotator_id=annotator.id, ip=client[0] if client else None)


def vote_rate_limit(*, request: HttpRequest, idempotency_key: object) -> None:
    """For the vote API. A retry of a stored vote is free, so a vote is never lost to a limit."""
    annotator = getattr(request, "auth", None)
    if not isinstance(annotator, Annotator):
        return
    if isinstance(idempotency_key, str) and Vote.objects.filter(
        idempotency_key=idempotency_key, annotator=annotator
    ).exists():
        return
    rate_limit_hit(action="vote", annotator_id=annotator.id,
                   ip=request.META.get("REMOTE_ADDR") or None)
