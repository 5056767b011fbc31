"""Writing the audit log. Every moderator or admin action goes through `audit_record`."""

from __future__ import annotations

from typing import Any

from moderation.models import AuditEntry


def audit_record(
    *, actor: Any, action: str, target_type: str, target_id: object,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """`actor` is a user, or None for the system (detectors, a person deleting their data)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail or {},
    )
