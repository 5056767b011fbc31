"""Word cues: does a text hold any of several words? A detector whose every match contains one
of its words is skipped when the text holds none (see `moderation.pii._candidates`).

The words are one regular expression shaped like a trie (the engine skips ahead to a first
letter and tries few branches there): the cheaper test on short text; `in` tests are cheaper on
long text. Both answer the same.
"""

from __future__ import annotations

import re

_SHORT = 256


def trie(words: tuple[str, ...], space: str | None = None) -> str:
    """An alternation of literal `words` shaped like a trie; `space`: what a space matches
    (default: a space)."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [(space if char == " " and space else re.escape(char)) + emit(child)
                    for char, child in node.items() if char]
        if not branches:
            return ""
        body = "|".join(branches)
        if "" in node:
            return f"(?:{body})?"
        return body if len(branches) == 1 else f"(?:{body})"

    return emit(root)


class Cue:
    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = tuple(dict.fromkeys(words))
        self._regex = re.compile(trie(self.words))

    def __call__(self, text: str) -> bool:
        if len(text) < _SHORT:
            return self._regex.search(text) is not None
        return any(word in text for word in self.words)
