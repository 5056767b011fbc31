"""Finding and masking personal data in free text (prompts, answers, rationales, traces).

Pure Python, no Django: `releases.verify` scans a release with the same detectors the builder
redacted with, so anything verify would call a leak is something the builder masks. Each match
becomes a visible marker such as ``[REDACTED_EMAIL]`` so readers know text was removed.

Detection is pattern-based and errs towards masking: a version string like ``1.2.3.4`` reads as
an IP address and is masked. Names are caught only when introduced ("My name is Ada Lovelace",
"I'm Ada"); names mentioned any other way are not detectable by patterns and stay.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
IPV6_CANDIDATE = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Za-z:])")
CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?!\w)")
PHONE = re.compile(
    r"(?<![\w.+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)|\d{2,4})[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w])"
)
STREET = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Square|Sq)\b\.?"
)
NAME_INTRO = re.compile(
    r"\b((?:[Mm]y name is|[Mm]y name's|I'm|I am|[Cc]all me)\s+)([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)


def _luhn(digits: str) -> bool:
    total = 0
    for k, char in enumerate(reversed(digits)):
        value = int(char)
        if k % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_ipv4(text: str) -> bool:
    return all(int(part) <= 255 for part in text.split("."))


def _is_ipv6(text: str) -> bool:
    if sum(1 for group in text.split(":") if group) < 3:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _is_phone(text: str) -> bool:
    return 9 <= len(re.sub(r"\D", "", text)) <= 15


# Order matters: the longer, more specific shapes go first so a card number is not half-read
# as a phone number, and a UUID's hex groups are not read as anything else.
DETECTORS: list[tuple[str, re.Pattern[str], Callable[[str], bool] | None]] = [
    ("EMAIL", EMAIL, None),
    ("ID", UUID, None),
    ("IP", IPV6_CANDIDATE, _is_ipv6),
    ("IP", IPV4, _is_ipv4),
    ("CARD", CARD, _is_card),
    ("PHONE", PHONE, _is_phone),
    ("ADDRESS", STREET, None),
]


def redact_text(text: str) -> str:
    """The text with every detected item replaced by its ``[REDACTED_KIND]`` marker."""
    for kind, pattern, accept in DETECTORS:
        marker = f"[REDACTED_{kind}]"

        def replace(match: re.Match[str], accept: Callable[[str], bool] | None = accept,
                    marker: str = marker) -> str:
            return marker if accept is None or accept(match.group(0)) else match.group(0)

        text = pattern.sub(replace, text)
    return NAME_INTRO.sub(lambda m: f"{m.group(1)}[REDACTED_NAME]", text)


def redact_json(value: Any) -> Any:
    """Redact every string inside a JSON-like value (search traces), keys included."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    if isinstance(value, dict):
        return {redact_text(str(k)): redact_json(v) for k, v in value.items()}
    return value


def find_pii(text: str) -> list[tuple[str, str]]:
    """(kind, excerpt) for each detectable item still in the text; names are not checked."""
    found = []
    for kind, pattern, accept in DETECTORS:
        for match in pattern.finditer(text):
            if accept is None or accept(match.group(0)):
                found.append((kind, match.group(0)))
    return found
