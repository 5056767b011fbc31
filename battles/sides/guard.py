"""The one place a side's outcome is settled, for every modality.

A side runner's `work` makes the answer, stores it (inside the guard, so a failure to store
fails the side instead of killing the turn) and returns the extra `side_done` fields. Whatever
goes wrong ends that side alone with a message that names nothing; the other side carries on.
Provider health hears the outcome only once it is known: after the answer is stored, or after
the failure is recorded. Every failure is logged with its reason (server log only).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async

from battles.modalities import modality_spec
from battles.providers import ProviderError, Usage
from battles.services.generations import generation_fail
from battles.sides.plan import Send, SidePlan
from ops.provider_health import side_outcome

logger = logging.getLogger(__name__)

INTERRUPTED = "Interrupted: the page was closed."
CRASHED = "Something went wrong on our side while generating this answer."


@dataclass
class SideRun:
    """What a runner has produced so far: kept on failure (partial text), timed for health."""

    started: float = field(default_factory=time.monotonic)
    parts: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    usage: Usage | None = None

    def token(self, text: str) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def first_token_ms(self) -> int | None:
        if self.first_token_at is None:
            return None
        return int((self.first_token_at - self.started) * 1000)


Work = Callable[[SideRun], Awaitable[dict[str, Any]]]


async def side_guarded(plan: SidePlan, turn_index: int, send: Send, work: Work) -> None:
    """Run `work`, then report the side done or failed; see the module docstring."""
    run = SideRun()
    noun = modality_spec(plan.modality).answer_noun

    async def outcome(ok: bool, kind: str = "") -> None:
        first = run.first_token_at
        await side_outcome(
            contender_id=plan.contender_id, arena=plan.labels[0], contender=plan.labels[1],
            ok=ok, kind=kind, seconds=time.monotonic() - run.started,
            first_token_seconds=first - run.started if ok and first is not None else None,
        )

    async def fail(message: str, kind: str) -> None:
        logger.warning("side %s of battle %s (generation %s, contender %s) failed [%s]: %s",
                       plan.side, plan.battle_id, plan.generation_id, plan.labels[1], kind,
                       message)
        await database_sync_to_async(generation_fail)(
            generation_id=plan.generation_id, error=message, text=run.text,
            duration_ms=run.elapsed_ms(),
        )
        await outcome(False, kind)
        await send({"type": "side_failed", "side": plan.side, "turn": turn_index,
                    "error": message})

    try:
        async with asyncio.timeout(plan.settings.total_timeout):
            done = await work(run)
    except ProviderError as error:
        await fail(str(error), "error")
        return
    except TimeoutError:
        await fail(f"The {noun} took longer than {plan.settings.total_timeout:g} s.", "timeout")
        return
    except asyncio.CancelledError:
        logger.info("side %s of battle %s interrupted: the page was closed", plan.side,
                    plan.battle_id)
        await asyncio.shield(database_sync_to_async(generation_fail)(
            generation_id=plan.generation_id, error=INTERRUPTED, text=run.text,
            duration_ms=run.elapsed_ms(),
        ))
        raise
    except Exception:
        logger.exception("side %s of battle %s (generation %s) crashed", plan.side,
                         plan.battle_id, plan.generation_id)
        await fail(CRASHED, "internal")
        return
    await outcome(True)
    await send({"type": "side_done", "side": plan.side, "turn": turn_index, "html": "", **done})
