"""Writes on annotators: creation and consent."""

from __future__ import annotations

from django.utils import timezone

from annotators.models import Annotator, TermsVersion


class NoTermsPublished(Exception):
    """Consent cannot be given before an admin publishes terms."""


def terms_current() -> TermsVersion | None:
    return TermsVersion.objects.order_by("-version").first()


def annotator_needs_consent(annotator: Annotator | None) -> bool:
    """Whether the person must pass the consent page before taking part.

    Without published terms there is nothing to accept, but a person still needs an identity
    to own battles, and the consent page is where the cookie is issued.
    """
    if annotator is not None and hasattr(annotator, "terms_version_current"):
        current: int | None = annotator.terms_version_current
    else:
        terms = terms_current()
        current = terms.version if terms is not None else None
    if current is None:
        return annotator is None
    return annotator is None or (annotator.consent_version or 0) < current


def annotator_consent(
    *, annotator: Annotator | None, version: int, release_consent: bool
) -> Annotator:
    """Record consent to the given terms version, creating the annotator on first consent.

    The version must be the current one, so a page left open across a terms update cannot
    consent to text the person never saw.
    """
    terms = terms_current()
    if terms is None:
        raise NoTermsPublished("No terms of use are published yet.")
    if version != terms.version:
        raise ValueError("These terms have been replaced; please read the current version.")
    if annotator is None:
        annotator = Annotator()
    annotator.consent_version = terms.version
    annotator.consented_at = timezone.now()
    annotator.release_consent = release_consent
    annotator.save()
    return annotator
