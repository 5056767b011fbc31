"""Starting battles, adding turns, and recording what each side produced.

State moves STREAMING → READY when both sides of the latest turn are done, STREAMING → FAILED
when either side fails, READY → STREAMING when the annotator continues, READY → VOTED on a vote.
Transitions take a row lock on the battle so two sides finishing at once cannot race.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotators.models import Annotator
from annotators.services import annotator_needs_consent
from annotators.services.standing import annotator_blocked_reason
from battles.modalities import contender_fits, turn_request
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    ContenderStatus,
    Generation,
    GenerationStatus,
    Turn,
)
from battles.services.errors import ArenaError, Conflict, Forbidden, NotFound
from battles.services.matchmaking import pair_pick
from battles.services.prompts import prompt_clean
from battles.storable import storable, storable_text
from leaderboard.ranking.text_style import style_counts
from moderation.services import screening


@dataclass(frozen=True)
class TurnStarted:
    battle: Battle
    turn: Turn
    generation_a: Generation
    generation_b: Generation


def annotator_require_consent(annotator: Annotator | None) -> Annotator:
    if annotator is None or annotator_needs_consent(annotator):
        raise Forbidden("Please accept the terms of use first.", code="consent_required")
    blocked = annotator_blocked_reason(annotator)
    if blocked is not None:
        raise Forbidden(blocked[1], code=blocked[0])
    return annotator


def _named_pair(*, arena: Arena, slug_a: object, slug_b: object) -> tuple[Contender, Contender]:
    if not isinstance(slug_a, str) or not isinstance(slug_b, str):
        raise ArenaError("Pick two models for a side-by-side battle.", code="pair_missing")
    if slug_a == slug_b:
        raise ArenaError("Pick two different models.", code="pair_same")
    found = {
        c.slug: c
        for c in Contender.objects.filter(
            arena=arena, slug__in=[slug_a, slug_b]
        ).exclude(status=ContenderStatus.DEPRECATED)
    }
    if slug_a not in found or slug_b not in found:
        raise ArenaError("One of those models is not available here.", code="pair_unknown")
    return found[slug_a], found[slug_b]


def _open_turn(
    battle: Battle, index: int, prompt: str, request: dict[str, Any] | None = None
) -> TurnStarted:
    turn = Turn.objects.create(battle=battle, index=index, prompt=prompt, request=request or {})
    generation_a, generation_b = Generation.objects.bulk_create(
        [Generation(turn=turn, side="a"), Generation(turn=turn, side="b")]
    )
    return TurnStarted(battle, turn, generation_a, generation_b)


def battle_start(
    *,
    arena: Arena,
    annotator: Annotator | None,
    prompt: object,
    mode: str = BattleMode.ANONYMOUS,
    contender_a: object = None,
    contender_b: object = None,
    rng: random.Random | None = None,
) -> TurnStarted:
    """Create a battle and its first turn; the caller then streams both generations."""
    annotator = annotator_require_consent(annotator)
    if not arena.is_active:
        raise ArenaError("This arena is closed.", code="arena_closed")
    cleaned = prompt_clean(arena=arena, prompt=prompt)
    screening.prompt_screen(arena=arena, annotator=annotator, prompt=cleaned)
    request = turn_request(arena=arena, prompt=cleaned)
    if mode == BattleMode.ANONYMOUS:
        first, second = pair_pick(
            arena=arena, rng=rng,
            fits=lambda c: contender_fits(arena=arena, contender=c, request=request),
        )
    elif mode == BattleMode.SIDE_BY_SIDE:
        first, second = _named_pair(arena=arena, slug_a=contender_a, slug_b=contender_b)
        _require_fit(arena, request, first, second)
    else:
        raise ArenaError("Unknown battle mode.", code="mode_invalid")
    with transaction.atomic():
        battle = Battle.objects.create(
            arena=arena, annotator=annotator, mode=mode, contender_a=first, contender_b=second
        )
        return _open_turn(battle, 0, cleaned, request)


def _require_fit(arena: Arena, request: dict[str, Any], *contenders: Contender) -> None:
    if not all(contender_fits(arena=arena, contender=c, request=request) for c in contenders):
        raise ArenaError(
            "One of these models cannot make that request; try another length or style.",
            code="request_unsupported",
        )


def battle_lock_for_annotator(battle_id: uuid.UUID | str, annotator: Annotator) -> Battle:
    """The battle, locked, with its arena and both contenders read in the same statement.

    Only the battle's row is locked (`of=("self",)`): locking the joined arena row too would
    make every vote and turn in an arena wait for each other.
    """
    try:
        battle = (
            Battle.objects.select_for_update(of=("self",))
            .select_related("arena", "contender_a", "contender_b")
            .get(id=battle_id)
        )
    except (Battle.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound("No such battle.") from None
    if battle.annotator_id != annotator.id:
        raise Forbidden("This battle belongs to someone else.")
    return battle


def turn_add(*, battle_id: uuid.UUID | str, annotator: Annotator | None, prompt: object) -> TurnStarted:
    """Continue a finished turn with a new prompt to the same pair."""
    annotator = annotator_require_consent(annotator)
    screening.prompt_screen_for_battle(battle_id=battle_id, annotator=annotator, prompt=prompt)
    with transaction.atomic():
        battle = battle_lock_for_annotator(battle_id, annotator)
        if battle.state == BattleState.VOTED:
            raise Conflict("This battle is already voted; start a new one.", code="battle_voted")
        if battle.state == BattleState.FAILED:
            raise Conflict("This battle failed; start a new one.", code="battle_failed")
        if battle.state != BattleState.READY:
            raise Conflict("Wait until both answers have finished.", code="battle_streaming")
        cleaned = prompt_clean(arena=battle.arena, prompt=prompt)
        request = turn_request(arena=battle.arena, prompt=cleaned)
        _require_fit(battle.arena, request, battle.contender_a, battle.contender_b)
        turns = battle.turns.count()
        if turns >= battle.arena.max_turns:
            raise ArenaError(
                f"This battle reached its {battle.arena.max_turns} turns; please vote.",
                code="too_many_turns",
            )
        battle.state = BattleState.STREAMING
        battle.save(update_fields=["state", "updated_at"])
        return _open_turn(battle, turns, cleaned, request)


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
