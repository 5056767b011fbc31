"""Who may take part in a study, and who may set one up."""

from __future__ import annotations

import secrets
from typing import Any

from annotators.models import Annotator
from annotators.roles import Role, user_has_role
from annotators.services.consent import annotator_needs_consent
from annotators.services.standing import annotator_blocked_reason
from studies.errors import ArenaError, Forbidden
from studies.models import Pool, Study


def researcher_required(user: Any) -> None:
    """Admins and researchers set studies up and read their analysis."""
    if not (user_has_role(user, Role.RESEARCHER) or getattr(user, "is_staff", False)):
        raise Forbidden("Only researchers and admins can do this.")


def study_admit(*, study: Study, annotator: Annotator | None, invite: str = "") -> Annotator:
    """The annotator, if the study's pool lets them in; the same consent and bans as arenas."""
    if annotator is None or annotator_needs_consent(annotator):
        raise ArenaError("Please accept the terms of use first.", code="consent_required",
                         status=401)
    blocked = annotator_blocked_reason(annotator)
    if blocked is not None:
        raise Forbidden(blocked[1], code=blocked[0])
    if study.pool == Pool.INVITE and not secrets.compare_digest(invite, study.invite_token):
        raise Forbidden("This study is open by invitation only; use the link you were sent.",
                        code="invite_required")
    if study.pool == Pool.GROUP:
        user = annotator.user
        if user is None or not (user.groups.filter(name=study.pool_group).exists()
                                or user.is_superuser):
            raise Forbidden("This study is open to a group of annotators you are not in.",
                            code="not_in_pool")
    return annotator
