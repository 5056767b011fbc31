"""The one check every write on an assigned item makes first: the slot is still the caller's."""

from __future__ import annotations

from annotators.models import Annotator
from studies.errors import ArenaError, Conflict
from studies.models import SlotState, StudySlot


def slot_held(*, slot_id: int, annotator: Annotator) -> StudySlot:
    """The slot, locked, provided it is still this annotator's and not yet judged."""
    slot = (StudySlot.objects.select_for_update().select_related("study__arena", "item")
            .filter(pk=slot_id).first())
    if slot is None or slot.annotator_id != annotator.pk:
        raise ArenaError("This item is no longer assigned to you.", code="not_assigned",
                         status=409)
    if slot.state == SlotState.DONE:
        raise Conflict("You already judged this item.")
    return slot
