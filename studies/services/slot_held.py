"""The one check every write on an assigned item makes first: the slot is still the caller's."""

from __future__ import annotations

from annotators.models import Annotator
from studies.errors import ArenaError, Conflict
from studies.models import SlotState, StudySlot


def slot_held(*, slot_id: int, annotator: Annotator, study_id: int | None = None) -> StudySlot:
    """The slot, locked, provided it is still this annotator's and not yet judged, and belongs
    to `study_id` when given (the study the caller was admitted to: an admission to one study
    must not carry over to a slot of another)."""
    found = StudySlot.objects.select_for_update().select_related("study__arena", "item")
    if study_id is not None:
        found = found.filter(study_id=study_id)
    slot = found.filter(pk=slot_id).first()
    if slot is None or slot.annotator_id != annotator.pk:
        raise ArenaError("This item is no longer assigned to you.", code="not_assigned",
                         status=409)
    if slot.state == SlotState.DONE:
        raise Conflict("You already judged this item.")
    return slot
