"""Personal data in free text: one detector for every caller.

Moderation screening asks `pii_matches` what a prompt holds (and blocks on checked items);
the release builder masks every match with `pii_redact`. Pure Python, no Django, so the
release verifier can import it too; the verifier adds its own, independent and stricter scan
(`releases.leakscan`) so a miss here is caught there.

Overlapping matches are merged and masked as one, so a redaction never leaves part of what it
redacts (a card number is not half-read as a phone number with its last digits left over).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from moderation.pii import patterns as p
from moderation.pii.people import name_spans

# Priority when matches overlap: the more specific kind names the merged span.
KINDS = ("EMAIL", "IBAN", "CARD", "ID", "IP", "PHONE", "ADDRESS", "NAME")


@dataclass(frozen=True)
class PIIMatch:
    kind: str
    start: int
    end: int
    checked: bool  # passed a check digit, or has an unambiguous shape (email, IP, UUID)


_DIGIT = re.compile(r"\d")


def _candidates(text: str, *, cues: bool = True) -> list[PIIMatch]:
    """Each detector runs only where its cue is in the text: most text has no personal data,
    and a release redacts millions of strings, each regular expression costing a scan.

    A cue is something every match of the detector contains (the fewest digits a match holds,
    the separators it needs, a title's letters, a street word), so skipping a detector without its cue never
    changes what is found; `cues=False` runs every detector, for the test that checks this.
    """
    found: list[PIIMatch] = []
    lower = text.lower()
    if not text.isascii():  # as the patterns' IGNORECASE reads them: "ı", "İ", "ſ" as i, i, s
        lower = lower.replace("ı", "i").replace("i\u0307", "i").replace("ſ", "s")
    digits = len(_DIGIT.findall(text))

    def add(kind: str, span: tuple[int, int], checked: bool = True) -> None:
        found.append(PIIMatch(kind, span[0], span[1], checked))

    def cue(present: bool) -> bool:
        return present or not cues

    if cue(p.EMAIL_CUE.search(lower) is not None):
        for pattern in (p.EMAIL, p.EMAIL_OBFUSCATED):
            for m in pattern.finditer(text):
                add("EMAIL", m.span(), "@" in m.group())
    for span in name_spans(text, lower, cues=cues):
        add("NAME", span, False)
    if not digits:
        return found
    if cue(text.count("-") >= 4):
        for m in p.UUID.finditer(text):
            add("ID", m.span())
    if cue(digits >= 2):
        for m in p.IBAN.finditer(text):
            add("IBAN", m.span(), p.iban_valid(m.group()))
    if cue(digits >= p.CARD_MIN_DIGITS):
        for m in p.CARD.finditer(text):
            if kind := p.card_kind(m.group()):
                add("CARD", m.span(), kind == "valid")
    # A valid IPv6 address of the pattern's shape (no dots) has eight groups or a "::".
    if cue("::" in text or text.count(":") >= 7):
        for m in p.IPV6.finditer(text):
            if p.is_ipv6(m.group()):
                add("IP", m.span())
    if cue(digits >= 4 and text.count(".") >= 3):
        for m in p.IPV4.finditer(text):
            if p.is_ipv4(m.group(), text[: m.start()]):
                add("IP", m.span())
    id_words = p.ID_WORDS(lower)  # any context word at all
    for least, pattern, check, hints, required in p.NATIONAL_IDS:
        if cue(digits >= least and (hints is None or id_words and any(h in lower for h in hints))):
            for m in pattern.finditer(text):
                number = 1 if pattern.groups else 0
                valid = check is not None and check(m.group(number))
                if valid or not required:
                    add("ID", m.span(number), valid)
    if cue(digits >= p.PHONE_MIN_DIGITS):
        for m in p.PHONE.finditer(text):
            if p.is_phone(m.group(), text[: m.start()]):
                add("PHONE", m.span())
    street_words = p.STREET_WORDS(text)  # any street word at all
    for words, pattern in p.STREETS:
        if cue(words is None or street_words and any(word in text for word in words)):
            for m in pattern.finditer(text):
                add("ADDRESS", m.span(), False)
    return found


def pii_matches(text: str) -> list[PIIMatch]:
    """Every item found, overlapping ones merged under the most specific kind, in order."""
    merged: list[PIIMatch] = []
    for match in sorted(_candidates(text), key=lambda m: (m.start, -m.end)):
        if merged and match.start < merged[-1].end:
            last = merged[-1]
            kind = min(last.kind, match.kind, key=KINDS.index)
            merged[-1] = PIIMatch(kind, last.start, max(last.end, match.end),
                                  last.checked or match.checked)
        else:
            merged.append(match)
    return merged


def pii_redact(text: str) -> str:
    """The text with each item replaced by ``[REDACTED_KIND]``."""
    out, position = [], 0
    for match in pii_matches(text):
        out += [text[position:match.start], f"[REDACTED_{match.kind}]"]
        position = match.end
    out.append(text[position:])
    return "".join(out)


def pii_redact_json(value: Any) -> Any:
    """Redact every string inside a JSON-like value (search traces), keys included."""
    if isinstance(value, str):
        return pii_redact(value)
    if isinstance(value, list):
        return [pii_redact_json(item) for item in value]
    if isinstance(value, dict):
        return {pii_redact(str(k)): pii_redact_json(v) for k, v in value.items()}
    return value
