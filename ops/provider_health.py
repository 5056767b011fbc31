"""Provider health: pause a contender whose provider keeps failing, resume it after a cooldown.

Each finished side pushes 0 (answered) or 1 (failed) onto a short list per contender in Redis.
When ARENA_PROVIDER_MAX_FAILURES of the latest ARENA_PROVIDER_WINDOW answers failed, the
contender is set to paused, so matchmaking stops drawing it, and a ContenderPause row says why.
The `ops.contenders_resume` beat task sets it active again after ARENA_PROVIDER_COOLDOWN_S; if
the provider still fails, the window fills up again and it is paused again.

Counting is advisory: without Redis nothing is counted and battles go on as before.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from arena import metrics
from arena.redis_client import redis_client
from battles.models import Contender, ContenderStatus
from ops.models import ContenderPause

logger = logging.getLogger(__name__)


def _key(contender_id: int) -> str:
    return f"arena:provider:{contender_id}:outcomes"


def outcome_push(*, contender_id: int, ok: bool) -> tuple[int, int]:
    """Record one answer; returns (failures, answers) in the current window."""
    window = settings.ARENA_PROVIDER_WINDOW
    pipe = redis_client().pipeline()
    pipe.lpush(_key(contender_id), 0 if ok else 1)
    pipe.ltrim(_key(contender_id), 0, window - 1)
    pipe.lrange(_key(contender_id), 0, -1)
    pipe.expire(_key(contender_id), 24 * 3600)
    outcomes = pipe.execute()[2]
    return sum(int(value) for value in outcomes), len(outcomes)


def outcomes_recent(contender_id: int) -> list[bool]:
    """The answers in the current window, newest first: True for each one that failed."""
    return [value == b"1" for value in redis_client().lrange(_key(contender_id), 0, -1)]


def contender_pause(*, contender_id: int, reason: str) -> bool:
    """Pause an active contender and record why; False if it was not active."""
    with transaction.atomic():
        paused = Contender.objects.filter(id=contender_id, status=ContenderStatus.ACTIVE).update(
            status=ContenderStatus.PAUSED
        )
        if not paused:
            return False
        ContenderPause.objects.create(contender_id=contender_id, reason=reason[:200])
        contender = Contender.objects.select_related("arena").get(id=contender_id)
    with contextlib.suppress(redis.RedisError):  # else the window expires by itself
        redis_client().delete(_key(contender_id))
    metrics.contender_pauses.labels(arena=contender.arena.slug).inc()
    logger.warning(
        "contender %s paused: %s", contender.slug, reason,
        extra={"event": "contender_paused", "arena": contender.arena.slug,
               "contender": contender.slug},
    )
    return True


def outcome_record(*, contender_id: int, ok: bool) -> bool:
    """Count one answer and pause the contender if it crossed the line; True if paused now."""
    try:
        failures, answers = outcome_push(contender_id=contender_id, ok=ok)
    except redis.RedisError as error:
        logger.warning("provider health not recorded (Redis unavailable: %s)", error)
        return False
    if ok or failures < settings.ARENA_PROVIDER_MAX_FAILURES:
        return False
    return contender_pause(
        contender_id=contender_id,
        reason=f"{failures} of its last {answers} answers failed",
    )


def contenders_resume(*, now: datetime | None = None) -> int:
    """Reactivate contenders whose automatic pause is older than the cooldown."""
    now = now or timezone.now()
    due = ContenderPause.objects.filter(
        resumed_at__isnull=True,
        paused_at__lte=now - timedelta(seconds=settings.ARENA_PROVIDER_COOLDOWN_S),
    ).select_related("contender__arena")
    resumed = 0
    for pause in due:
        with transaction.atomic():
            # An admin may have changed the status meanwhile; only undo our own pause.
            changed = Contender.objects.filter(
                id=pause.contender_id, status=ContenderStatus.PAUSED
            ).update(status=ContenderStatus.ACTIVE)
            pause.resumed_at = now
            pause.save(update_fields=["resumed_at"])
        if changed:
            resumed += 1
            contender = pause.contender
            metrics.contender_resumes.labels(arena=contender.arena.slug).inc()
            logger.info(
                "contender %s resumed after its cooldown", contender.slug,
                extra={"event": "contender_resumed", "arena": contender.arena.slug,
                       "contender": contender.slug},
            )
    return resumed


_push = sync_to_async(outcome_push, thread_sensitive=False)
_pause = database_sync_to_async(contender_pause)


async def side_outcome(
    *,
    contender_id: int,
    arena: str,
    contender: str,
    ok: bool,
    kind: str = "",
    seconds: float = 0.0,
    first_token_seconds: float | None = None,
) -> None:
    """Called by the streaming code after each side; records metrics and health, never raises."""
    try:
        if ok:
            metrics.provider_answered(arena=arena, seconds=seconds,
                                      first_token_seconds=first_token_seconds)
        else:
            metrics.provider_failed(arena=arena, kind=kind or "error")
        if not contender_id:
            return
        failures, answers = await _push(contender_id=contender_id, ok=ok)
        if not ok and failures >= settings.ARENA_PROVIDER_MAX_FAILURES:
            await _pause(
                contender_id=contender_id,
                reason=f"{failures} of its last {answers} answers failed",
            )
    except Exception as error:  # health bookkeeping must never break a battle
        logger.warning("provider health not recorded for %s: %s", contender, error)
