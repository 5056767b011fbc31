"""The one guard every side runs under, for every modality.

A side runner's `work` makes the answer, stores it through `side_store` (inside the guard, so a
failure to store fails the side instead of killing the turn) and returns the extra `side_done`
fields. Whatever goes wrong ends that side alone with a message that names nothing; the other
side carries on. battles/sides/failures.py decides what each failure means (message, log,
whether it counts against the contender); provider health hears a success only once the answer
is stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from battles.modalities.base import Send, SidePlan
from battles.providers import Usage
from battles.sides.failures import side_fail, side_failure_for, side_interrupted
from ops.provider_health import side_outcome


@dataclass
class SideRun:
    """What a runner has produced so far: kept on failure (partial text), timed for health."""

    started: float = field(default_factory=time.monotonic)
    parts: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    first_token_at: float | None = None
    usage: Usage | None = None

    def token(self, text: str) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        self.parts.append(text)

    def thought(self, text: str) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.monotonic()
        self.thoughts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def reasoning(self) -> str:
        return "".join(self.thoughts)

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
    try:
        async with asyncio.timeout(plan.settings.total_timeout):
            done = await work(run)
    except asyncio.CancelledError:
        await side_interrupted(plan, duration_ms=run.elapsed_ms(), text=run.text,
                               reasoning=run.reasoning)
        raise
    except Exception as error:
        await side_fail(plan, turn_index, send,
                        side_failure_for(error, timeout_s=plan.settings.total_timeout),
                        error=error, duration_ms=run.elapsed_ms(), text=run.text,
                        reasoning=run.reasoning)
        return
    first = run.first_token_at
    await side_outcome(
        contender_id=plan.contender_id, arena=plan.labels[0], contender=plan.labels[1], ok=True,
        seconds=time.monotonic() - run.started,
        first_token_seconds=first - run.started if first is not None else None,
    )
    await send({"type": "side_done", "side": plan.side, "turn": turn_index, "html": "", **done})
