"""Personal data in text: email addresses, phone numbers, payment cards and IBANs.

Card numbers must pass the Luhn check and IBANs the ISO 7064 mod-97 check, so order numbers
and long ids rarely trip it. `kinds` limits which detectors run.
"""

from __future__ import annotations

import re
from typing import Any

from moderation.filters.base import Finding, filter_kind

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?!\w)"
)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")

_LABELS = {
    "email": "an email address",
    "phone": "a phone number",
    "card": "a payment card number",
    "iban": "a bank account number (IBAN)",
}


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def pii_found(text: str, kinds: frozenset[str] = frozenset(_LABELS)) -> list[str]:
    """The kinds of personal data in `text`, in a stable order."""
    found = []
    if "email" in kinds and _EMAIL.search(text):
        found.append("email")
    cards = [m for m in _CARD.finditer(text)
             if luhn_valid(re.sub(r"\D", "", m.group()))]
    if "card" in kinds and cards:
        found.append("card")
    if "iban" in kinds and any(iban_valid(m.group()) for m in _IBAN.finditer(text)):
        found.append("iban")
    if "phone" in kinds:
        card_spans = [m.span() for m in cards]
        for match in _PHONE.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            inside_card = any(s <= match.start() < e for s, e in card_spans)
            if 8 <= len(digits) <= 15 and not inside_card:
                found.append("phone")
                break
    return found


class PIIFilter:
    name = "pii"
    remote = False

    def __init__(self, config: dict[str, Any]) -> None:
        kinds = frozenset(config.get("kinds") or _LABELS)
        if not kinds <= set(_LABELS):
            raise ValueError(f"`kinds` must be among {', '.join(_LABELS)}.")
        self.kinds = kinds

    def check(self, text: str) -> list[Finding]:
        found = pii_found(text, self.kinds)
        if not found:
            return []
        labels = " and ".join(_LABELS[kind] for kind in found)
        return [Finding("pii", f"it contains personal data ({labels}); please remove it")]


filter_kind("pii")(PIIFilter)
