"""How a generation ends, and what that does to its battle.

State moves STREAMING → READY when both sides of the latest turn are done, STREAMING → FAILED
when either side fails. Transitions take a row lock on the battle so two sides finishing at
once cannot race. Side runners (battles/modalities/) call these; they import nothing of the
battle flow, so a modality module can finish a side without pulling the whole write layer in.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from battles.models import Battle, BattleState, Generation, GenerationStatus, Turn
from battles.storable import storable, storable_text
from leaderboard.ranking.text_style import style_counts
from moderation.services import screening


def _settle_battle(turn_id: int) -> None:
    """After a side ends: READY when both sides of this turn are done, FAILED if one failed."""
    turn = Turn.objects.select_related("battle").get(id=turn_id)
    battle = Battle.objects.select_for_update().get(id=turn.battle_id)
    if battle.state != BattleState.STREAMING:
        return
    statuses = set(turn.generations.values_list("status", flat=True))
    if GenerationStatus.FAILED in statuses:
        battle.state = BattleState.FAILED
    elif statuses == {GenerationStatus.DONE}:
        battle.state = BattleState.READY
        screening.turn_settled_on_commit(turn.id)
    else:
        return
    battle.save(update_fields=["state", "updated_at"])


def generation_finish(
    *,
    generation_id: int,
    text: str,
    time_to_first_token_ms: int | None,
    duration_ms: int,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    reasoning: str = "",
    trace: dict[str, Any] | None = None,
) -> None:
    """Every runner stores its answer here, so model output is made storable (`storable`) in
    one place: a NUL or a lone surrogate from a model can no longer make an answer unsavable."""
    text = storable_text(text)
    fields: dict[str, Any] = {}
    if trace is not None:
        fields["trace"] = storable(trace)
    with transaction.atomic():
        updated = Generation.objects.filter(
            id=generation_id, status=GenerationStatus.STREAMING
        ).update(
            text=text,
            reasoning=storable_text(reasoning),
            status=GenerationStatus.DONE,
            time_to_first_token_ms=time_to_first_token_ms,
            duration_ms=duration_ms,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            style_counts=style_counts(text),
            finished_at=timezone.now(),
            **fields,
        )
        if updated:
            _settle_battle(Generation.objects.get(id=generation_id).turn_id)


def generation_fail(
    *, generation_id: int, error: str, text: str = "", duration_ms: int | None = None,
    reasoning: str = "",
) -> None:
    """The partial answer is kept for moderators and releases, made storable as in
    `generation_finish`."""
    with transaction.atomic():
        updated = Generation.objects.filter(
            id=generation_id, status=GenerationStatus.STREAMING
        ).update(
            text=storable_text(text),
            reasoning=storable_text(reasoning),
            status=GenerationStatus.FAILED,
            error=storable_text(error),
            duration_ms=duration_ms,
            finished_at=timezone.now(),
        )
        if updated:
            _settle_battle(Generation.objects.get(id=generation_id).turn_id)
