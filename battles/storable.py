"""Model output made storable: the one place every side's text, reasoning and trace pass through.

A model may emit any code point. PostgreSQL refuses NUL in text columns and `\\u0000` in JSONB,
and a lone surrogate (half of a UTF-16 pair, which Python strings can hold) cannot be encoded as
UTF-8 at all; either one made the whole answer unsavable. Each becomes U+FFFD, the replacement
character, so the answer is kept and the gap stays visible. Pure: no Django imports.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable(value: Any) -> Any:
    """`value` with every string in it (dict keys included) made storable; other values as they are."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value
