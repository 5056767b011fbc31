"""Whether an annotator may still take part: bans and deleted profiles.

Read fresh from the database on every action, because a WebSocket keeps its annotator object
for as long as the page is open and a ban must apply to the next message, not the next visit.
A shadow-banned annotator is deliberately *not* refused here: they see no difference.

`annotator_load_current` is that fresh read done once: the row, with the current terms version
beside it, marked as read for this action. The checks here and in `consent` then use it instead
of asking the database again; an annotator object from anywhere else is re-read as before.
"""

from __future__ import annotations

import uuid

from django.db.models import Subquery

from annotators.models import Annotator, AnnotatorStatus, TermsVersion

_FRESH = "_standing_fresh"


def annotator_load_current(annotator_id: uuid.UUID | str) -> Annotator | None:
    """The annotator as it is now, with `terms_version_current` (None without published terms),
    in one statement. Load it per request or per message, never keep it across them."""
    annotator = (
        Annotator.objects.annotate(
            terms_version_current=Subquery(
                TermsVersion.objects.order_by("-version").values("version")[:1]
            )
        )
        .filter(id=annotator_id)
        .first()
    )
    if annotator is not None:
        setattr(annotator, _FRESH, True)
    return annotator


def annotator_is_current(annotator: Annotator) -> bool:
    """Whether this object came from `annotator_load_current` (its status is this action's)."""
    return getattr(annotator, _FRESH, False)


def _standing(annotator: Annotator) -> tuple[str, object] | None:
    if annotator_is_current(annotator):
        return annotator.status, annotator.data_deleted_at
    row = (
        Annotator.objects.filter(id=annotator.id)
        .values_list("status", "data_deleted_at")
        .first()
    )
    return row


def annotator_blocked_reason(annotator: Annotator) -> tuple[str, str] | None:
    """(code, message) to show, or None when the annotator may prompt and vote."""
    row = _standing(annotator)
    if row is None or row[1] is not None:
        return "profile_deleted", "This profile was deleted. Accept the terms again to start afresh."
    if row[0] == AnnotatorStatus.BANNED:
        return "banned", "This account is banned from the arena for breaking its rules."
    return None


def annotator_votes_count(annotator: Annotator) -> bool:
    """False for a shadow-banned annotator, whose votes are kept but never counted."""
    row = _standing(annotator)
    return (row[0] if row is not None else None) != AnnotatorStatus.SHADOW_BANNED
