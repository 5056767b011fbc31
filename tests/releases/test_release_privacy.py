"""The privacy building blocks on their own: redaction, pseudonyms, k-anonymity."""

from __future__ import annotations

from releases.demographics import SUPPRESSED, Demographics, k_anonymize
from releases.pseudonyms import pseudonym
from releases.redaction import find_pii, redact_json, redact_text


def test_it_redacts_contacts_and_marks_each_kind() -> None:
    text = ("I'm Ada. Mail ada@example.com, phone +44 20 7946 0958, card 4111-1111-1111-1111, "
            "office 10 Downing Street, host 2001:db8::8a2e:370:7334, id 123e4567-e89b-12d3-a456-426614174000")
    redacted = redact_text(text)
    assert redacted == (
        "I'm [REDACTED_NAME]. Mail [REDACTED_EMAIL], phone [REDACTED_PHONE], card [REDACTED_CARD], "
        "office [REDACTED_ADDRESS], host [REDACTED_IP], id [REDACTED_ID]"
    )
    assert find_pii(redacted) == []


def test_it_leaves_ordinary_numbers_dates_and_code_alone() -> None:
    text = "pi is 3.14159265358979, due 2024-01-15 at 12:30:45; use std::vector; 1,234,567 rows"
    assert redact_text(text) == text


def test_it_redacts_inside_search_traces() -> None:
    trace = {"queries": ["who owns bob@example.com"], "sources": [{"url": "http://10.0.0.1/x"}]}
    assert redact_json(trace) == {
        "queries": ["who owns [REDACTED_EMAIL]"], "sources": [{"url": "http://[REDACTED_IP]/x"}],
    }


def test_pseudonyms_depend_on_the_secret_and_the_scope() -> None:
    one = pseudonym(secret="s", scope="arena:1", annotator_id="x")
    assert one == pseudonym(secret="s", scope="arena:1", annotator_id="x")
    assert one != pseudonym(secret="t", scope="arena:1", annotator_id="x")
    assert one != pseudonym(secret="s", scope="arena:1:release:2", annotator_id="x")


def test_rare_demographic_combinations_are_suppressed() -> None:
    common = Demographics(age_band="25-34", country="FR")
    rare = Demographics(age_band="65+", country="IS", languages=("is",))
    released = k_anonymize({"a": common, "b": common, "c": rare, "d": Demographics()}, k=2)
    assert released == {"a": common, "b": common, "c": SUPPRESSED, "d": SUPPRESSED}
