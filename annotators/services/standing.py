"""Whether an annotator may still take part: bans and deleted profiles.

Read fresh from the database on every action, because a WebSocket keeps its annotator object
for as long as the page is open and a ban must apply to the next message, not the next visit.
A shadow-banned annotator is deliberately *not* refused here: they see no difference.
"""

from __future__ import annotations

from annotators.models import Annotator, AnnotatorStatus


def annotator_blocked_reason(annotator: Annotator) -> tuple[str, str] | None:
    """(code, message) to show, or None when the annotator may prompt and vote."""
    row = (
        Annotator.objects.filter(id=annotator.id)
        .values("status", "data_deleted_at")
        .first()
    )
    if row is None or row["data_deleted_at"] is not None:
        return "profile_deleted", "This profile was deleted. Accept the terms again to start afresh."
    if row["status"] == AnnotatorStatus.BANNED:
        return "banned", "This account is banned from the arena for breaking its rules."
    return None


def annotator_votes_count(annotator: Annotator) -> bool:
    """False for a shadow-banned annotator, whose votes are kept but never counted."""
    status = Annotator.objects.filter(id=annotator.id).values_list("status", flat=True).first()
    return status != AnnotatorStatus.SHADOW_BANNED
