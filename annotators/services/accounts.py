"""Optional accounts: signing in joins the cookie annotator's history to the account.

One account has one annotator. Signing in on a device whose cookie annotator is anonymous moves
that annotator's battles, votes and flags onto the account's annotator and deletes the empty
one; the stricter standing of the two is kept, so signing in cannot shake off a ban.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from annotators.models import Annotator, AnnotatorStatus
from battles.models import Battle, Vote

_SEVERITY = [AnnotatorStatus.ACTIVE, AnnotatorStatus.SHADOW_BANNED, AnnotatorStatus.BANNED]


def _merge(*, source: Annotator, into: Annotator) -> None:
    from moderation.models import Flag

    Battle.objects.filter(annotator=source).update(annotator=into)
    Vote.objects.filter(annotator=source).update(annotator=into)
    Flag.objects.filter(annotator=source).update(annotator=into)
    if (source.consent_version or 0) > (into.consent_version or 0):
        into.consent_version = source.consent_version
        into.consented_at = source.consented_at
        into.release_consent = source.release_consent
    if _SEVERITY.index(source.status) > _SEVERITY.index(into.status):  # type: ignore[arg-type]
        into.status = source.status
        into.status_reason = source.status_reason
        into.status_changed_at = source.status_changed_at
    into.save()
    source.delete()


def annotator_for_user(*, user: Any, cookie_annotator: Annotator | None) -> Annotator:
    """The annotator to carry on with after `user` signs in (or signs up) on this device."""
    with transaction.atomic():
        account = Annotator.objects.select_for_update().filter(user=user).first()
        cookie = cookie_annotator
        if cookie is not None:
            cookie = Annotator.objects.select_for_update().filter(
                id=cookie.id, user__isnull=True, data_deleted_at__isnull=True
            ).first()
        if account is None:
            if cookie is not None:
                cookie.user = user
                cookie.save(update_fields=["user"])
                return cookie
            return Annotator.objects.create(user=user)
        if cookie is not None and cookie.id != account.id:
            _merge(source=cookie, into=account)
        return account
