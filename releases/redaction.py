"""Masking personal data in release text: the platform's one detector (`moderation.pii`),
applied to every prompt, answer, rationale, feedback and trace. `releases.verify` checks the
result with a second, independent scan (`releases.leakscan`)."""

from __future__ import annotations

from moderation.pii import pii_matches, pii_redact, pii_redact_json

redact_text = pii_redact
redact_json = pii_redact_json


def find_pii(text: str) -> list[tuple[str, str]]:
    """(kind, excerpt) for each item the shared detector still finds in the text."""
    return [(m.kind, text[m.start:m.end]) for m in pii_matches(text)]
