"""The language of a conversation, for the release's `language` column: an offline detector
that ships its own model (py3langid, a maintained fork of langid.py), or None when unsure.

A wrong label misleads a researcher's slice more than a missing one, so a label needs a
normalized probability of at least `THRESHOLD` and enough letters to judge; code, maths and
one-word prompts come out None. Figures for the threshold are in docs/releases.md (corpus:
tests/releases/language_corpus.py). No Django: a pure function of the text.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

THRESHOLD = 0.7
MIN_LETTERS = 6  # "ok", "lol", "???" say nothing about a language
# Characters of code and maths: a prompt mostly of these is not in a natural language.
_SYMBOLS = "=()[]{}<>;:+-*/^_\\|&%$#@~`'\"∫√∑0123456789"
_SYMBOL = re.compile(f"[{re.escape(_SYMBOLS)}]")  # counted in C: a release asks once per row


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def language_detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code or None, the detector's probability) of `text`."""
    sample = text[:2000]
    letters = sum(map(str.isalpha, sample))
    symbols = len(_SYMBOL.findall(sample))
    if letters < MIN_LETTERS or symbols > letters / 4:
        return None, 0.0
    code, probability = _identifier().classify(sample)
    return (str(code) if probability >= THRESHOLD else None), float(probability)


def conversation_language(prompts: list[str]) -> str | None:
    """The language of the user's side of a conversation (its prompts joined), or None."""
    return language_detect("\n".join(prompts))[0]
