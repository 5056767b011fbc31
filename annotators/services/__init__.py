"""Writes on annotators: consent, accounts, profile and deletion, bans, limits, quality."""

from annotators.services.consent import (
    NoTermsPublished,
    annotator_consent,
    annotator_needs_consent,
    terms_current,
)

__all__ = [
    "NoTermsPublished",
    "annotator_consent",
    "annotator_needs_consent",
    "terms_current",
]
