"""Which categories a battle belongs to, from its first prompt and its number of turns.

Pure functions: the recompute service hands in plain values read from the database. The
language test is deliberately crude (mostly-ASCII text with a few common English words); it
only has to split an arena's votes into roughly English and the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LONG_PROMPT_CHARS = 500
_WORD = re.compile(r"[a-z']+")
_ENGLISH_STOPWORDS = frozenset({
    "the", "a", "an", "and", "or", "of", "to", "in", "is", "are", "was", "be", "it", "that",
    "this", "for", "on", "with", "as", "you", "i", "what", "how", "why", "can", "do", "does",
    "please", "write", "explain", "give", "me", "my", "your",
})


@dataclass(frozen=True)
class TagRule:
    slug: str
    pattern: re.Pattern[str]


def tag_rule(slug: str, pattern: str, *, is_regex: bool) -> TagRule:
    """Compile an admin's rule: a regular expression, or comma-separated keywords."""
    if not is_regex:
        words = [w.strip() for w in pattern.split(",") if w.strip()]
        pattern = "|".join(rf"\b{re.escape(w)}\b" for w in words) or r"(?!)"
    return TagRule(slug, re.compile(pattern, re.IGNORECASE))


def is_english(prompt: str) -> bool:
    """Mostly ASCII letters and at least one common English word (or too short to tell)."""
    sample = prompt[:1000]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return True
    ascii_share = sum(1 for c in letters if c.isascii()) / len(letters)
    if ascii_share < 0.9:
        return False
    words = _WORD.findall(sample.lower())
    return len(words) < 3 or any(w in _ENGLISH_STOPWORDS for w in words)


def battle_categories(
    *, first_prompt: str, prompt_chars: int, turns: int, tags: Iterable[TagRule] = ()
) -> list[str]:
    """Every category this battle counts in besides "overall"."""
    found = ["english" if is_english(first_prompt) else "non_english"]
    if turns > 1:
        found.append("multi_turn")
    if prompt_chars > LONG_PROMPT_CHARS:
        found.append("long_prompts")
    found.extend(rule.slug for rule in tags if rule.pattern.search(first_prompt))
    return found
