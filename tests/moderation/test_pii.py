"""The one personal-data detector (`moderation.pii`) and the verifier's independent scan."""

from __future__ import annotations

import pytest

from moderation.pii import pii_redact
from releases.leakscan import leaks
from tests.moderation.pii_corpus import CLEAN, PERSONAL, redactor_recalls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I’m Maria Garcia", "I’m [REDACTED_NAME]"),
        ("my name is maria garcia", "my name is [REDACTED_NAME]"),
        ("alice (at) example (dot) com", "[REDACTED_EMAIL]"),
        ("+33 1 23 45 67 89", "[REDACTED_PHONE]"),
        ("221B Baker Street", "[REDACTED_ADDRESS]"),
        ("Alice Johnson wrote it", "[REDACTED_NAME] wrote it"),
        ("card 4111 1111 1111 1112 ok", "card [REDACTED_CARD] ok"),
        ("NI number QQ 12 34 56 C", "NI number [REDACTED_ID]"),
        ("Michael O'Brien", "[REDACTED_NAME]"),
        ("john dot smith at gmail dot com", "[REDACTED_EMAIL]"),
        ("ping 127.0.0.1 or 0.0.0.0", "ping 127.0.0.1 or 0.0.0.0"),
    ],
)
def test_it_redacts_what_the_issue_found_left_in_a_release(text: str, expected: str) -> None:
    assert pii_redact(text) == expected


def test_a_redaction_never_leaves_part_of_what_it_redacts() -> None:
    for _kind, text, needle in PERSONAL:
        if pii_redact(text) != text:
            assert redactor_recalls(text, needle), pii_redact(text)


def test_the_corpus_figures_hold() -> None:
    recalled = sum(redactor_recalls(text, needle) for _kind, text, needle in PERSONAL)
    assert recalled / len(PERSONAL) >= 0.95
    assert [t for t in CLEAN if pii_redact(t) != t] == []
    assert all(leaks(text) for _kind, text, _needle in PERSONAL)


def test_the_verifier_scan_catches_what_the_redactor_misses() -> None:
    missed = "order reference 48151623420"  # a long number with no context: maybe an id
    assert pii_redact(missed) == missed
    assert leaks(missed)
    assert leaks("The [REDACTED_PHONE] 1112")  # the old redactor's half-masked card


def test_screening_still_blocks_only_checked_numbers() -> None:
    from moderation.filters.pii import pii_found

    assert pii_found("card 4111 1111 1111 1112") == []
    assert pii_found("card 4111 1111 1111 1111") == ["card"]
