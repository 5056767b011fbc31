"""What one side of a turn needs to run (a `SidePlan`), read once from the battle's rows."""

from __future__ import annotations

from channels.db import database_sync_to_async

from battles.modalities import arena_settings
from battles.modalities.base import Send, SidePlan
from battles.models import Battle, Contender, Turn
from battles.provider_config import provider_settings_for
from battles.providers import ChatMessage
from battles.services.battle_flow import TurnStarted

__all__ = ["Send", "SidePlan", "plans_for", "side_plan"]

def conversation(turns: list[Turn], side: str) -> list[ChatMessage]:
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


def side_plan(battle: Battle, turns: list[Turn], side: str, generation_id: int) -> SidePlan:
    """One side's plan; `battle` has its arena and contenders loaded, `turns` end at this one."""
    contender: Contender = battle.contender_a if side == "a" else battle.contender_b
    turn = turns[-1]
    return SidePlan(
        side, generation_id, provider_settings_for(contender), conversation(turns, side),
        contender.id, (battle.arena.slug, contender.slug), modality=battle.arena.modality,
        prompt=turn.prompt, request=dict(turn.request or {}),
        arena_settings=arena_settings(battle.arena), battle_id=str(battle.id),
    )


def _relations_loaded(battle: Battle) -> bool:
    return all(
        getattr(Battle, name).is_cached(battle) for name in ("arena", "contender_a", "contender_b")
    )


def _plans_build(started: TurnStarted, battle: Battle, turns: list[Turn]) -> list[SidePlan]:
    generations = {"a": started.generation_a, "b": started.generation_b}
    return [side_plan(battle, turns, side, generations[side].id) for side in ("a", "b")]


@database_sync_to_async
def _plans_read(started: TurnStarted) -> list[SidePlan]:
    battle = Battle.objects.select_related("arena", "contender_a", "contender_b").get(
        id=started.battle.id)
    turns = list(
        Turn.objects.filter(battle=battle, index__lte=started.turn.index)
        .prefetch_related("generations")
        .order_by("index")
    )
    return _plans_build(started, battle, turns)


async def plans_for(started: TurnStarted) -> list[SidePlan]:
    """A first turn's plans come from the rows `battle_start` just wrote and holds (no query, no
    worker thread before the providers are called); later turns read the conversation so far."""
    if started.turn.index == 0 and _relations_loaded(started.battle):
        return _plans_build(started, started.battle, [started.turn])
    return await _plans_read(started)
