"""Starting battles and adding turns.

A battle moves READY → STREAMING when the annotator continues, READY → VOTED on a vote; how a
turn's sides end is in `generations`. What differs by modality (prompt routing, capability
pairing, turn cap, sides made by workers) comes from the arena's modality spec. Worker-made sides
are queued here, as the turn is stored, so every entry point that opens a turn gets them made.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotators.models import Annotator
from annotators.services import annotator_needs_consent
from annotators.services.standing import annotator_blocked_reason
from battles.contender_pick import contenders_selectable
from battles.modalities import ModalitySpec, arena_settings, modality_spec
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    Generation,
    Turn,
)
from battles.reference_images import reference_image_verify
from battles.services.errors import ArenaError, Conflict, Forbidden, NotFound
from battles.services.generations import generation_fail, generation_finish
from battles.services.matchmaking import pair_pick
from battles.services.prompts import prompt_clean
from battles.sides.queue import worker_sides_queue_on_commit
from moderation.services import screening

__all__ = ["TurnStarted", "battle_start", "generation_fail", "generation_finish", "turn_add"]


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
    found = {c.slug: c for c in contenders_selectable(arena=arena, slugs=[slug_a, slug_b])}
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
    worker_sides_queue_on_commit(modality=battle.arena.modality,
                                 generation_ids=(generation_a.id, generation_b.id))
    return TurnStarted(battle, turn, generation_a, generation_b)


def _turn_request(
    arena: Arena, spec: ModalitySpec, prompt: str, image_ref: str | None = None
) -> dict[str, Any]:
    """The modality's reading of an accepted prompt (stored on the turn); ArenaError if refused."""
    return spec.route(prompt, arena_settings(arena), image_ref)


def _image_ref(arena: Arena, spec: ModalitySpec, annotator: Annotator, image: object) -> str | None:
    """The verified storage name of the annotator's reference image, if the prompt has one."""
    if image is None or image == "":
        return None
    if not spec.accepts_image:
        raise ArenaError("This arena does not take a reference image.", code="image_unsupported")
    return reference_image_verify(token=image, arena_slug=arena.slug, annotator_id=annotator.id)


def _fits(spec: ModalitySpec, contender: Contender, request: dict[str, Any]) -> bool:
    return spec.fits(dict(contender.capabilities or {}), request)


def turn_limit(arena: Arena) -> int:
    """The arena's turn cap, never above what its modality allows."""
    cap = modality_spec(arena.modality).max_turns
    return min(arena.max_turns, cap) if cap else arena.max_turns


def battle_start(
    *,
    arena: Arena,
    annotator: Annotator | None,
    prompt: object,
    mode: str = BattleMode.ANONYMOUS,
    contender_a: object = None,
    contender_b: object = None,
    image: object = None,
    rng: random.Random | None = None,
) -> TurnStarted:
    """Create a battle and its first turn; the caller then streams both generations.

    `image` is the signed token of a reference image the annotator uploaded to this arena
    (battles/reference_images.py), for modalities that accept one."""
    annotator = annotator_require_consent(annotator)
    if not arena.is_active:
        raise ArenaError("This arena is closed.", code="arena_closed")
    cleaned = prompt_clean(arena=arena, prompt=prompt)
    screening.prompt_screen(arena=arena, annotator=annotator, prompt=cleaned)
    spec = modality_spec(arena.modality)
    request = _turn_request(arena, spec, cleaned, _image_ref(arena, spec, annotator, image))
    if mode == BattleMode.ANONYMOUS:
        first, second = pair_pick(arena=arena, rng=rng, fits=lambda c: _fits(spec, c, request))
    elif mode == BattleMode.SIDE_BY_SIDE:
        first, second = _named_pair(arena=arena, slug_a=contender_a, slug_b=contender_b)
        _require_fit(spec, request, first, second)
    else:
        raise ArenaError("Unknown battle mode.", code="mode_invalid")
    with transaction.atomic():
        battle = Battle.objects.create(
            arena=arena, annotator=annotator, mode=mode, contender_a=first, contender_b=second
        )
        return _open_turn(battle, 0, cleaned, request)


def _require_fit(spec: ModalitySpec, request: dict[str, Any], *contenders: Contender) -> None:
    if not all(_fits(spec, c, request) for c in contenders):
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
        limit = turn_limit(battle.arena)
        turns = battle.turns.count()
        if turns >= limit:
            raise ArenaError(
                "This arena takes one prompt per battle; please vote." if limit == 1
                else f"This battle reached its {limit} turns; please vote.",
                code="too_many_turns",
            )
        cleaned = prompt_clean(arena=battle.arena, prompt=prompt)
        spec = modality_spec(battle.arena.modality)
        request = _turn_request(battle.arena, spec, cleaned)
        _require_fit(spec, request, battle.contender_a, battle.contender_b)
        battle.state = BattleState.STREAMING
        battle.save(update_fields=["state", "updated_at"])
        return _open_turn(battle, turns, cleaned, request)
