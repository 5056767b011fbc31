"""What moderators do. Each action changes state and writes one audit entry, atomically."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from annotators.models import Annotator, AnnotatorStatus
from battles.models import Battle, Vote
from moderation.models import ExclusionReason, Flag, FlagStatus, HiddenContent
from moderation.services.audit import audit_record
from moderation.services.exclusions import exclusion_remove, exclusions_add


class ActionRefused(ValueError):
    """The action does not apply to this target; the message says why."""


def _resolve(flag: Flag, status: str) -> None:
    flag.status = status
    flag.resolved_at = timezone.now()
    flag.save(update_fields=["status", "resolved_at"])


@transaction.atomic
def flag_dismiss(*, flag: Flag, actor: Any, note: str = "") -> None:
    """Nothing wrong after all. A dismissed identity-leak flag lifts its exclusion."""
    _resolve(flag, FlagStatus.DISMISSED)
    restored = False
    if flag.reason == "identity_leak" and flag.battle_id is not None:
        others = Flag.objects.filter(
            battle_id=flag.battle_id, reason="identity_leak", status=FlagStatus.OPEN
        ).exists()
        if not others:
            restored = exclusion_remove(battle_id=flag.battle_id,
                                        reason=ExclusionReason.IDENTITY_LEAK)
    audit_record(actor=actor, action="flag_dismiss", target_type="flag", target_id=flag.pk,
                 detail={"note": note, "reason": flag.reason, "vote_restored": restored})


@transaction.atomic
def content_hide(*, flag: Flag, actor: Any, note: str = "") -> HiddenContent:
    if flag.turn_id is None:
        raise ActionRefused("This flag has no stored prompt or answer to hide.")
    hidden = HiddenContent.objects.create(turn_id=flag.turn_id, generation_id=flag.generation_id)
    _resolve(flag, FlagStatus.ACTIONED)
    audit_record(actor=actor, action="content_hide", target_type="flag", target_id=flag.pk,
                 detail={"note": note, "turn": flag.turn_id, "generation": flag.generation_id})
    return hidden


@transaction.atomic
def vote_invalidate(*, vote: Vote, actor: Any, note: str = "", flag: Flag | None = None) -> int:
    flipped = exclusions_add(battle_ids=[vote.battle_id], reason=ExclusionReason.MODERATOR,
                             detail=note)
    if flag is not None:
        _resolve(flag, FlagStatus.ACTIONED)
    audit_record(actor=actor, action="vote_invalidate", target_type="vote", target_id=vote.pk,
                 detail={"note": note, "flag": flag.pk if flag else None})
    return flipped


def _set_status(
    *, annotator: Annotator, status: str, actor: Any, note: str, invalidate_votes: bool,
    flag: Flag | None, action: str, reason: str,
) -> int:
    with transaction.atomic():
        Annotator.objects.filter(id=annotator.id).update(
            status=status, status_reason=note, status_changed_at=timezone.now()
        )
        annotator.status = status
        flipped = 0
        if invalidate_votes:
            battle_ids = Battle.objects.filter(
                annotator=annotator, vote__isnull=False
            ).values_list("id", flat=True)
            flipped = exclusions_add(battle_ids=battle_ids, reason=reason, detail=note)
        if flag is not None:
            _resolve(flag, FlagStatus.ACTIONED)
        audit_record(actor=actor, action=action, target_type="annotator", target_id=annotator.id,
                     detail={"note": note, "invalidate_votes": invalidate_votes,
                             "votes_invalidated": flipped, "flag": flag.pk if flag else None})
    return flipped


def annotator_ban(
    *, annotator: Annotator, actor: Any, note: str = "", invalidate_votes: bool = False,
    flag: Flag | None = None,
) -> int:
    """Refuse every further prompt and vote; optionally drop the votes already cast."""
    return _set_status(annotator=annotator, status=AnnotatorStatus.BANNED, actor=actor,
                       note=note, invalidate_votes=invalidate_votes, flag=flag,
                       action="annotator_ban", reason=ExclusionReason.BANNED)


def annotator_shadow_ban(
    *, annotator: Annotator, actor: Any, note: str = "", invalidate_votes: bool = False,
    flag: Flag | None = None,
) -> int:
    """Their future votes silently stop counting; nothing in their pages changes."""
    return _set_status(annotator=annotator, status=AnnotatorStatus.SHADOW_BANNED, actor=actor,
                       note=note, invalidate_votes=invalidate_votes, flag=flag,
                       action="annotator_shadow_ban", reason=ExclusionReason.SHADOW_BANNED)


def annotator_reinstate(*, annotator: Annotator, actor: Any, note: str = "") -> None:
    """Lift a ban for future actions; votes invalidated by it stay invalid."""
    _set_status(annotator=annotator, status=AnnotatorStatus.ACTIVE, actor=actor, note=note,
                invalidate_votes=False, flag=None, action="annotator_reinstate", reason="")

