"""Storing an annotator's judgement of one slot, once, or their skip of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotators.models import Annotator
from studies.errors import ArenaError
from studies.models import Judgement, SlotState, StudySkip, VoteFormat
from studies.services.exposure import slot_exposure_require
from studies.services.screening import judgement_screen
from studies.services.slot_held import slot_held

MAX_EXPLANATION = 5000


def judgement_submit(*, slot_id: int, annotator: Annotator, ranking: list[int] | None = None,
                     aspects: dict[str, Any] | None = None, explanation: str = "",
                     study_id: int | None = None) -> Judgement:
    """One transaction: the slot must still be this annotator's; a full-ranking study needs a
    permutation of 0..K-1, best-of-K one position; a study of a gated modality needs each
    answer heard or viewed for the arena's minimum first."""
    ranking = list(ranking or [])
    aspects = dict(aspects or {})
    if len(explanation) > MAX_EXPLANATION:
        raise ArenaError(f"The explanation is longer than {MAX_EXPLANATION} characters.")
    with transaction.atomic():
        slot = slot_held(slot_id=slot_id, annotator=annotator, study_id=study_id)
        study = slot.study
        shown_at = (slot.expires_at - timedelta(seconds=study.assignment_ttl_s)
                    if slot.expires_at is not None else None)
        if slot.expires_at is not None and slot.expires_at < timezone.now():
            slot.expires_at = timezone.now()  # late but still theirs: accept
        want = study.k if study.vote_format == VoteFormat.RANK else 1
        if len(ranking) != want or len(set(ranking)) != want or not all(
            isinstance(p, int) and 0 <= p < study.k for p in ranking
        ):
            raise ArenaError(
                f"Rank all {study.k} answers." if want > 1 else "Choose the best answer.",
                code="ranking_invalid")
        unknown = sorted(set(aspects) - set(study.aspects))
        if unknown:
            raise ArenaError(f"This study does not ask about {', '.join(unknown)}.",
                             code="aspects_invalid")
        for slug, value in aspects.items():
            if not isinstance(value, int) or not 0 <= value < study.k:
                raise ArenaError(f"For {slug}, choose one of the answers.",
                                 code="aspects_invalid")
        slot_exposure_require(slot=slot)
        judgement = Judgement.objects.create(
            slot=slot, study=study, item=slot.item, annotator=annotator, ranking=ranking,
            aspects=aspects, explanation=explanation.strip())
        slot.state = SlotState.DONE
        slot.save(update_fields=["state", "expires_at"])
        judgement_screen(judgement=judgement, shown_at=shown_at)
    return judgement


def slot_skip(*, slot_id: int, annotator: Annotator, reason: str, study_id: int | None = None) -> StudySkip:
    """Pass on an item, with a reason. One transaction: the skip is recorded (so the claim never
    offers this item to this annotator again) and the slot is handed back to the pool, so the
    item still gets its r judgements from others."""
    reason = reason.strip()[:200]
    if not reason:
        raise ArenaError("Say why you skip this item.", code="skip_reason_missing")
    with transaction.atomic():
        slot = slot_held(slot_id=slot_id, annotator=annotator, study_id=study_id)
        skip = StudySkip.objects.create(study=slot.study, item=slot.item, annotator=annotator,
                                        reason=reason)
        slot.annotator, slot.state, slot.expires_at = None, SlotState.OPEN, None
        slot.save(update_fields=["annotator", "state", "expires_at"])
    return skip
