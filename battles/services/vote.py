"""Storing a vote: once per battle, idempotent per client key, only on a finished battle."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction

from annotators.models import Annotator
from battles import listening  # the module: battles.listening itself imports battles.services
from battles.modalities import arena_aspects
from battles.models import AspectChoice, Battle, BattleState, Vote, VoteAspect, VoteChoice
from battles.services.battle_flow import annotator_require_consent, battle_lock_for_annotator
from battles.services.errors import ArenaError, Conflict
from moderation.services import screening

VOTE_KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
_KEY = re.compile(VOTE_KEY_PATTERN)


def _validate(choice: object, rationale: object, idempotency_key: object) -> tuple[str, str, str]:
    if choice not in VoteChoice.values:
        raise ArenaError(
            "Unknown vote; use one of: a, b, tie, both_bad.", code="choice_invalid"
        )
    if rationale is None:
        rationale = ""
    if not isinstance(rationale, str):
        raise ArenaError("The rationale must be text.", code="rationale_invalid")
    rationale = rationale.strip()
    if len(rationale) > settings.ARENA_MAX_RATIONALE_CHARS:
        raise ArenaError(
            f"The rationale is too long (limit {settings.ARENA_MAX_RATIONALE_CHARS} characters).",
            code="rationale_too_long",
        )
    if not isinstance(idempotency_key, str) or not _KEY.match(idempotency_key):
        raise ArenaError(
            "The vote needs an idempotency key of 8-64 letters, digits, '-' or '_'.",
            code="key_invalid",
        )
    return str(choice), rationale, idempotency_key


def _replay(
    idempotency_key: str, battle_id: uuid.UUID | str, annotator: Annotator, *,
    choice: str, rationale: str,
) -> Vote | None:
    """The vote already stored under this key, if this is a retry of the same request. The
    same key with another choice or rationale is a different request: answering it with the
    stored vote would tell the client its new choice was taken when it was not."""
    existing = Vote.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if str(existing.battle_id) != str(battle_id) or existing.annotator_id != annotator.id:
        raise Conflict("This idempotency key was used for another vote.", code="key_reused")
    if (existing.choice, existing.rationale) != (choice, rationale):
        raise Conflict(
            "This idempotency key was used for a different choice on this battle; the vote "
            "already stored stands.",
            code="key_reused",
        )
    return existing


def _aspects_clean(battle: Battle, raw: object) -> dict[str, str]:
    """The aspect choices, checked against the arena's aspects; nothing else is accepted."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ArenaError("Aspects must be an object of aspect: a, b or tie.",
                         code="aspects_invalid")
    aspects = {aspect.slug: aspect for aspect in arena_aspects(battle.arena)}
    unknown = sorted(str(name) for name in raw if name not in aspects)
    if unknown:
        raise ArenaError(f"This arena does not ask about: {', '.join(unknown)}.",
                         code="aspects_invalid")
    chosen = {name: value for name, value in raw.items() if value not in (None, "")}
    if any(value not in AspectChoice.values for value in chosen.values()):
        raise ArenaError("Each aspect takes a, b or tie.", code="aspects_invalid")
    missing = [a.label for a in aspects.values() if a.required and a.slug not in chosen]
    if missing:
        raise ArenaError(f"Please also answer: {', '.join(missing)}.", code="aspect_required")
    return chosen


def _require_votable(battle: Battle, rationale: str) -> None:
    if battle.state == BattleState.VOTED:
        raise Conflict("This battle already has a vote.", code="already_voted")
    if battle.state == BattleState.FAILED:
        raise Conflict("A failed battle cannot be voted on.", code="battle_failed")
    if battle.state != BattleState.READY:
        raise Conflict("Wait until both answers have finished before voting.", code="not_finished")
    listening.listening_require(battle)
    if battle.arena.require_rationale and not rationale:
        raise ArenaError(
            "This arena asks for a short rationale with each vote.", code="rationale_required"
        )


def vote_submit(
    *,
    battle_id: uuid.UUID | str,
    annotator: Annotator | None,
    choice: object,
    rationale: object = "",
    idempotency_key: object,
    aspects: object = None,
) -> Vote:
    """Store the vote (and its aspect choices) and close the battle. A retry with the same key
    returns the stored vote."""
    annotator = annotator_require_consent(annotator)
    choice, rationale, idempotency_key = _validate(choice, rationale, idempotency_key)
    try:
        with transaction.atomic():
            battle = battle_lock_for_annotator(battle_id, annotator)
            try:
                _require_votable(battle, rationale)
            except ArenaError:
                # A retry, or a concurrent one that committed while we waited for the lock, or a
                # key used for another vote: that answer comes first. Only asked when the vote
                # cannot be stored anyway; on a votable battle the key's unique constraint
                # catches a reused key (IntegrityError below), so a vote pays no query for it.
                replay = _replay(idempotency_key, battle_id, annotator,
                                 choice=choice, rationale=rationale)
                if replay is not None:
                    return replay
                raise
            aspect_choices = _aspects_clean(battle, aspects)
            check = screening.vote_check(battle=battle, annotator=annotator)
            vote = Vote.objects.create(
                battle=battle,
                annotator=annotator,
                choice=choice,
                rationale=rationale,
                idempotency_key=idempotency_key,
                is_valid=check.is_valid,
            )
            VoteAspect.objects.bulk_create(
                VoteAspect(vote=vote, aspect=name, choice=value)
                for name, value in aspect_choices.items()
            )
            screening.vote_screen(vote=vote, check=check)
            battle.state = BattleState.VOTED
            battle.save(update_fields=["state", "updated_at"])
            return vote
    except IntegrityError:
        replay = _replay(idempotency_key, battle_id, annotator,
                                 choice=choice, rationale=rationale)
        if replay is not None:
            return replay
        raise Conflict("This battle already has a vote.", code="already_voted") from None
