"""How a side fails, for every runner (the guard in battles/sides/guard.py calls this).

One place decides, for whatever ended a side, what the annotator reads (a message that names
nothing), what the server log keeps (the real reason, with a traceback for our own crashes),
whether it counts against the contender's provider health, and then stores the failure and tells
the page. A failure to *store* an answer is ours, not the contender's: the model answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from channels.db import database_sync_to_async

from battles.modalities.base import Send, SidePlan
from battles.providers import ProviderError
from battles.services.generations import generation_fail
from ops.provider_health import side_outcome

logger = logging.getLogger("battles.sides")

CRASHED = "Something went wrong on our side while generating this answer."
NOT_STORED = "Something went wrong on our side while saving this answer."
INTERRUPTED = "Interrupted: the page was closed."
REASONING_ONLY = "The model returned only reasoning and no answer."

T = TypeVar("T")


class StorageFailed(Exception):
    """Saving a finished side failed (database refused it, went away, ...)."""


async def side_store(save: Callable[..., T], **kwargs: Any) -> T:
    """Run a sync storage service in a worker thread; any error becomes `StorageFailed`, so the
    runner can tell "the model failed" from "we could not keep its answer"."""
    try:
        return await database_sync_to_async(save)(**kwargs)
    except Exception as error:
        raise StorageFailed(f"{type(error).__name__}: {error}") from error


@dataclass(frozen=True)
class SideFailure:
    message: str  # shown to the annotator: names nothing
    kind: str  # metrics label and log field: error | timeout | internal | storage
    reason: str  # server log only: may name hosts, models, exception text
    counts: bool  # against the contender's provider health
    traceback: bool = False


def side_failure_for(error: BaseException, *, timeout_s: float) -> SideFailure:
    if isinstance(error, StorageFailed):
        return SideFailure(NOT_STORED, "storage", str(error), counts=False, traceback=True)
    if isinstance(error, ProviderError):
        cause = error.__cause__
        detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
        return SideFailure(str(error), "error", f"{error}{detail}", counts=True)
    if isinstance(error, TimeoutError):
        return SideFailure(f"The model took longer than {timeout_s:g} s.", "timeout",
                           f"total timeout of {timeout_s:g} s", counts=True)
    return SideFailure(CRASHED, "internal", f"{type(error).__name__}: {error}", counts=True,
                       traceback=True)


def _log(plan: SidePlan, failure: SideFailure, error: BaseException | None) -> None:
    logger.warning(
        "side %s of battle %s (generation %s, contender %s) failed [%s]: %s",
        plan.side, plan.battle_id, plan.generation_id, plan.labels[1], failure.kind,
        failure.reason,
        exc_info=error if failure.traceback and error is not None else None,
        extra={"event": "side_failed", "generation": plan.generation_id,
               "battle": plan.battle_id, "side": plan.side, "arena": plan.labels[0],
               "contender": plan.labels[1], "kind": failure.kind, "reason": failure.reason},
    )


async def side_fail(
    plan: SidePlan, turn_index: int, send: Send, failure: SideFailure, *,
    error: BaseException | None = None, duration_ms: int | None = None, text: str = "",
    reasoning: str = "",
) -> None:
    """Log, count, store and announce one failed side; the battle settles through
    `generation_fail`. Never raises: the other side and `turn_done` must still go out."""
    _log(plan, failure, error)
    if failure.counts:
        await side_outcome(contender_id=plan.contender_id, arena=plan.labels[0],
                           contender=plan.labels[1], ok=False, kind=failure.kind)
    try:
        await database_sync_to_async(generation_fail)(
            generation_id=plan.generation_id, error=failure.message, text=text,
            reasoning=reasoning, duration_ms=duration_ms,
        )
    except Exception:
        logger.exception("could not store the failure of generation %s", plan.generation_id)
    await send({"type": "side_failed", "side": plan.side, "turn": turn_index,
                "error": failure.message})


async def side_interrupted(
    plan: SidePlan, *, duration_ms: int, text: str = "", reasoning: str = ""
) -> None:
    """The page went away: store that (shielded, so the cancellation cannot cut it short).
    Not the contender's fault, so not counted; logged like any other failure."""
    _log(plan, SideFailure(INTERRUPTED, "interrupted", "the page was closed", counts=False), None)
    save: Awaitable[None] = database_sync_to_async(generation_fail)(
        generation_id=plan.generation_id, error=INTERRUPTED, text=text, reasoning=reasoning,
        duration_ms=duration_ms,
    )
    await asyncio.shield(save)
