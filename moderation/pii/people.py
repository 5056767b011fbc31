"""Where names are in a text: the name detectors of `names` (titles, full names that start
with a common given name) and `intros` (introductions, greetings, sign-offs) together.

Its own module because `intros` builds on the word lists of `names`: the combiner importing
both keeps the imports one way.
"""

from __future__ import annotations

from moderation.pii.intros import intro_spans
from moderation.pii.names import FULL_NAME, TITLE_CUE, TITLED, WORDISH, is_given_name, is_name_word, whole


def name_spans(text: str, lower: str | None = None, *, cues: bool = True) -> list[tuple[int, int]]:
    """Where names are in `text` (the name only, never the words that introduced it).

    A pattern runs only where its cue is in the text (`cues=False` runs them all, for tests)."""
    lower = text.lower() if lower is None else lower
    spans = intro_spans(text, lower, cues=cues)
    if not cues or TITLE_CUE(text):
        for m in TITLED.finditer(text):
            if m.start() and WORDISH.match(text, m.start() - 1):
                continue  # "IDr. X", not a title
            start, end = whole(text, m.end())
            if end > start and is_name_word(text[start:end].split()[0]):
                spans.append((start, end))
    position = 0
    while match := FULL_NAME.search(text, position):
        first = match.group().split(None, 1)[0]
        if is_given_name(first) and is_name_word(match.group(1)):
            spans.append(whole(text, match.start(), match.end(1)))
        position = match.start(1)  # "Hello Alice Johnson": "Alice" starts a pair too
    return [span for span in spans if span[1] > span[0]]
