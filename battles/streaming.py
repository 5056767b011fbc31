"""Run both sides of a turn concurrently and stream their chunks to one browser.

Messages name only the side (`a` / `b`), never the contender. Each side fails on its own:
a provider error, a timeout or an unexpected exception ends that side with a clear message
and leaves the other side streaming. The battle's state is settled in the database by
`generation_finish` / `generation_fail`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async

from battles.models import Battle, BattleState, Contender, Turn, reasoning_shown
from battles.provider_config import provider_settings_for
from battles.providers import (
    ChatMessage,
    ProviderError,
    ProviderSettings,
    ReasoningDelta,
    TextDelta,
    Usage,
    text_provider_for,
)
from battles.rendering import markdown_to_safe_html
from battles.services import generation_finish
from battles.services.battle_flow import TurnStarted
from battles.side_failures import (
    REASONING_ONLY,
    side_fail,
    side_failure_for,
    side_interrupted,
    side_store,
)
from battles.side_runners import RUNNERS, WORKER_RUNNERS
from battles.storable import storable_text
from battles.worker_relay import worker_turn_follow
from ops.provider_health import side_outcome

Send = Callable[[dict[str, Any]], Awaitable[None]]

# Re-rendering the whole answer as Markdown on every token would cost O(n^2); the browser
# shows raw deltas in between and swaps in sanitized HTML at this interval and at the end.
RENDER_INTERVAL_S = 0.1


@dataclass(frozen=True)
class SidePlan:
    side: str
    generation_id: int
    settings: ProviderSettings
    messages: list[ChatMessage]
    contender_id: int = 0
    labels: tuple[str, str] = ("", "")  # (arena slug, contender slug), for metrics only
    modality: str = "text"
    prompt: str = ""
    request: dict[str, Any] = field(default_factory=dict)  # the router's reading (music)
    arena_settings: dict[str, Any] = field(default_factory=dict)
    battle_id: str = ""  # for the server log only


def _conversation(turns: list[Turn], side: str) -> list[ChatMessage]:
    """The conversation as this side saw it: earlier prompts and its own earlier answers."""
    messages: list[ChatMessage] = []
    for turn in turns:
        messages.append(ChatMessage(role="user", content=turn.prompt))
        if turn is turns[-1]:
            break
        answer = next((g for g in turn.generations.all() if g.side == side), None)
        if answer is not None and answer.text:
            messages.append(ChatMessage(role="assistant", content=answer.text))
    return messages


def _relations_loaded(battle: Battle) -> bool:
    return all(
        getattr(Battle, name).is_cached(battle) for name in ("arena", "contender_a", "contender_b")
    )


async def _plans_for(started: TurnStarted) -> list[SidePlan]:
    """A first turn's plans come from the rows `battle_start` just wrote and holds (no query, no
    worker thread before the providers are called); later turns read the conversation so far."""
    if started.turn.index == 0 and _relations_loaded(started.battle):
        return _plans_build(started, started.battle, [started.turn])
    return await _plans_read(started)


@database_sync_to_async
def _plans_read(started: TurnStarted) -> list[SidePlan]:
    battle = Battle.objects.select_related("arena", "contender_a", "contender_b").get(id=started.battle.id)
    turns = list(
        Turn.objects.filter(battle=battle, index__lte=started.turn.index)
        .prefetch_related("generations")
        .order_by("index")
    )
    return _plans_build(started, battle, turns)


def _plans_build(started: TurnStarted, battle: Battle, turns: list[Turn]) -> list[SidePlan]:
    contenders: dict[str, Contender] = {"a": battle.contender_a, "b": battle.contender_b}
    generations = {"a": started.generation_a, "b": started.generation_b}
    return [
        SidePlan(side, generations[side].id, provider_settings_for(contenders[side]),
                 _conversation(turns, side), contenders[side].id,
                 (battle.arena.slug, contenders[side].slug), modality=battle.arena.modality,
                 prompt=started.turn.prompt, request=dict(started.turn.request or {}),
                 arena_settings=dict(battle.arena.settings or {}), battle_id=str(battle.id))
        for side in ("a", "b")
    ]


async def _side_stream(plan: SidePlan, turn_index: int, send: Send) -> None:
    """Stream one text side, store it, and only then count it as answered: the save is inside the
    guarded region, so an answer that cannot be stored still ends the side (and the turn)."""
    started = time.monotonic()
    first_token_at: float | None = None
    parts: list[str] = []
    thoughts: list[str] = []
    usage: Usage | None = None
    last_render = 0.0
    show_reasoning = reasoning_shown(plan.arena_settings)

    def elapsed_ms(since: float = started) -> int:
        return int((time.monotonic() - since) * 1000)

    try:
        provider = text_provider_for(plan.settings)
        async with asyncio.timeout(plan.settings.total_timeout):
            async with aclosing(provider.stream_chat(plan.messages)) as events:  # type: ignore[type-var]
                async for event in events:
                    if isinstance(event, Usage):
                        usage = event
                        continue
                    if not isinstance(event, TextDelta | ReasoningDelta) or not event.text:
                        continue
                    if first_token_at is None:
                        first_token_at = time.monotonic()
                    now = time.monotonic()
                    message: dict[str, Any] = {"type": "chunk", "side": plan.side,
                                               "turn": turn_index, "delta": ""}
                    if isinstance(event, ReasoningDelta):
                        thoughts.append(event.text)
                        if not show_reasoning or now - last_render < RENDER_INTERVAL_S:
                            continue
                        message["reasoning_html"] = markdown_to_safe_html("".join(thoughts))
                    else:
                        parts.append(event.text)
                        message["delta"] = event.text
                        if now - last_render >= RENDER_INTERVAL_S:
                            message["html"] = markdown_to_safe_html("".join(parts))
                    if "html" in message or "reasoning_html" in message:
                        last_render = now
                    await send(message)
        text, reasoning = "".join(parts), "".join(thoughts)
        if not text.strip():
            if not reasoning.strip():
                raise ProviderError("The model returned an empty answer.")
            if not show_reasoning:
                raise ProviderError(REASONING_ONLY)
        await side_store(
            generation_finish,
            generation_id=plan.generation_id,
            text=text,
            reasoning=reasoning,
            time_to_first_token_ms=(
                int((first_token_at - started) * 1000) if first_token_at is not None else None
            ),
            duration_ms=elapsed_ms(),
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )
    except asyncio.CancelledError:
        await side_interrupted(plan, duration_ms=elapsed_ms(), text="".join(parts),
                               reasoning="".join(thoughts))
        raise
    except Exception as error:
        await side_fail(plan, turn_index, send,
                        side_failure_for(error, timeout_s=plan.settings.total_timeout),
                        error=error, duration_ms=elapsed_ms(), text="".join(parts),
                        reasoning="".join(thoughts))
        return
    await side_outcome(
        contender_id=plan.contender_id, arena=plan.labels[0], contender=plan.labels[1], ok=True,
        seconds=time.monotonic() - started,
        first_token_seconds=first_token_at - started if first_token_at is not None else None,
    )
    done: dict[str, Any] = {"type": "side_done", "side": plan.side, "turn": turn_index,
                            "html": markdown_to_safe_html(storable_text(text))}
    if show_reasoning and reasoning:
        done["reasoning_html"] = markdown_to_safe_html(storable_text(reasoning))
    await send(done)


@database_sync_to_async
def _battle_state(battle_id: Any) -> str:
    return str(Battle.objects.values_list("state", flat=True).get(id=battle_id))


async def turn_stream(started: TurnStarted, send: Send) -> None:
    """Stream both sides of a freshly opened turn, then report whether voting is open."""
    plans = await _plans_for(started)
    if plans[0].modality in WORKER_RUNNERS:
        await worker_turn_follow(battle_id=started.battle.id, turn_index=started.turn.index,
                                 plans=plans, send=send)
    else:
        await asyncio.gather(
            *(RUNNERS.get(plan.modality, _side_stream)(plan, started.turn.index, send)
              for plan in plans)
        )
    state = await _battle_state(started.battle.id)
    await send({
        "type": "turn_done",
        "battle_id": str(started.battle.id),
        "turn": started.turn.index,
        "state": state,
        "can_vote": state == BattleState.READY,
    })

