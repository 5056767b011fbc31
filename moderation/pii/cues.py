"""Word cues: does a text hold any of several words? A detector whose every match contains one
of its words is skipped when the text holds none (see `moderation.pii._candidates`).

One regular expression of alternatives is the cheaper test on short text, `in` tests on long
text (the regex engine tries every alternative at every position, `in` skips ahead); both
answer the same.
"""

from __future__ import annotations

import re

_SHORT = 256


class Cue:
    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = tuple(dict.fromkeys(words))
        self._regex = re.compile("|".join(map(re.escape, self.words)))

    def __call__(self, text: str) -> bool:
        if len(text) < _SHORT:
            return self._regex.search(text) is not None
        return any(word in text for word in self.words)
