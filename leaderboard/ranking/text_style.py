"""Style measurements of answer text, in pure Python (no torch).

Kept apart from the style fit so that the web process can count an answer's style when it
finishes (``battles.services.battle_flow.generation_finish``) without importing the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

STYLE_FEATURES = ("length", "headers", "lists", "bold")
SEARCH_FEATURES = (*STYLE_FEATURES, "citations")

_HEADER = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_CITATION = re.compile(r"\[\d+\]")


def style_counts(text: str) -> dict[str, int]:
    """Raw style measurements of one answer: words, markdown headers, list items, bold spans,
    numbered citations. Word count stands in for tokens so no tokenizer is needed."""
    return {
        "length": len(text.split()),
        "headers": len(_HEADER.findall(text)),
        "lists": len(_LIST.findall(text)),
        "bold": len(_BOLD.findall(text)),
        "citations": len(_CITATION.findall(text)),
    }


def normalized_difference(a: float, b: float) -> float:
    """``(a - b) / (a + b)``, zero when neither answer has any of the feature."""
    total = a + b
    return 0.0 if total == 0 else (a - b) / total


def style_features(text_a: str, text_b: str, names: Sequence[str] = STYLE_FEATURES) -> list[float]:
    """Per-battle style features for two answers, in the order of ``names``."""
    counts_a, counts_b = style_counts(text_a), style_counts(text_b)
    return [normalized_difference(counts_a[n], counts_b[n]) for n in names]
