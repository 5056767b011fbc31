"""The screening filter over the shared personal-data detector (`moderation.pii`): it refuses
prompts with an email address, phone number, payment card or IBAN. Card numbers must pass the
Luhn check and IBANs the ISO 7064 mod-97 check, so order numbers and long ids rarely trip it.
`kinds` limits which kinds block.
"""

from __future__ import annotations

from typing import Any

from moderation.filters.base import Finding, filter_kind
from moderation.pii import pii_matches
from moderation.pii.patterns import iban_valid, luhn_valid

__all__ = ["PIIFilter", "iban_valid", "luhn_valid", "pii_found"]

_LABELS = {
    "email": "an email address",
    "phone": "a phone number",
    "card": "a payment card number",
    "iban": "a bank account number (IBAN)",
}


def pii_found(text: str, kinds: frozenset[str] = frozenset(_LABELS)) -> list[str]:
    """The kinds of personal data in `text` that screening blocks on, in a stable order.

    Only checked items count here (a card that passes Luhn, an IBAN that passes mod 97): a
    prompt is refused for them, while redaction masks unchecked look-alikes too."""
    seen = {m.kind.lower() for m in pii_matches(text) if m.checked}
    return [kind for kind in _LABELS if kind in seen and kind in kinds]


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
