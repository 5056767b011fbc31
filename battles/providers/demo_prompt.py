"""What a demo answer needs to know about the conversation: keywords, topic and kind of question.

Why apart from the styles: every style reads the prompt the same way, so a difference between
two demo answers is only ever a difference of style, never of understanding. The reading is
deliberately shallow (stopwords, a few word lists, two patterns) and deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .base import ChatMessage

_STOPWORD_TEXT = """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each even every few
    for from further get give given had has have having he her here hers how i if in into is it
    its itself just know let like make many me might more most much must my need no nor not now
    of off on once only or other our out over own please same she should show so some such tell
    than that the their them then there these they this those through to too under until up us
    use using very want was way we well were what when where which while who whom why will with
    would write you your yours can't don't i'm it's what's explain best good really thing things
    something anyone help one two vs versus compare comparison difference differences between
    hello hi hey thanks thank new big small large simple modern create build work works cause
    causes
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_CODE_WORD_TEXT = """
    code function class method script program implement implementation bug debug error exception
    algorithm regex query sql python javascript typescript rust golang java bash shell compile
    compiler api endpoint loop recursion array list dict parse parser refactor unittest test
"""
_CODE_WORDS = frozenset(_CODE_WORD_TEXT.split())

LANGUAGES = {
    "python": "python",
    "django": "python",
    "pandas": "python",
    "javascript": "javascript",
    "js": "javascript",
    "typescript": "javascript",
    "node": "javascript",
    "react": "javascript",
    "sql": "sql",
    "postgres": "sql",
    "postgresql": "sql",
    "query": "sql",
    "bash": "bash",
    "shell": "bash",
    "linux": "bash",
}

_COMPARISON = re.compile(r"\b(vs\.?|versus|compare|comparison|differences?)\b")
_HOW_TO = re.compile(r"^\s*how\b|\bhow (do|to|can|should)\b|\bsteps?\b")

_GREETINGS = frozenset({"hello", "hi", "hey", "thanks", "thank", "morning", "evening"})


@dataclass(frozen=True)
class DemoPrompt:
    text: str
    keywords: tuple[str, ...]
    earlier_keywords: tuple[str, ...]
    is_code: bool
    language: str
    is_comparison: bool
    is_how_to: bool
    is_greeting: bool

    @property
    def topic(self) -> str:
        return _topic(self.keywords, keep_order=self.is_comparison) or "your question"

    @property
    def earlier_topic(self) -> str:
        return _topic(self.earlier_keywords, keep_order=False)

    def keyword(self, index: int) -> str:
        if not self.keywords:
            return "the problem"
        return self.keywords[index % len(self.keywords)]


def prompt_analyse(messages: Sequence[ChatMessage]) -> DemoPrompt:
    user_turns = [m.content for m in messages if m.role == "user"]
    text = user_turns[-1] if user_turns else ""
    words = _words(text)
    lowered = text.lower()
    language = next((LANGUAGES[w] for w in words if w in LANGUAGES), "python")
    return DemoPrompt(
        text=text,
        keywords=_keywords(words),
        earlier_keywords=_keywords(_words(user_turns[-2])) if len(user_turns) > 1 else (),
        is_code="```" in text or any(w in _CODE_WORDS for w in words),
        language=language,
        is_comparison=bool(_COMPARISON.search(lowered)),
        is_how_to=bool(_HOW_TO.search(lowered)),
        is_greeting=len(words) <= 4 and any(w in _GREETINGS for w in words),
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9+#'-]*", text.lower())


def _topic(keywords: Sequence[str], *, keep_order: bool) -> str:
    """The two most telling keywords: longer words tend to carry the subject."""
    chosen = keywords[:2] if keep_order else sorted(keywords, key=len, reverse=True)[:2]
    return " and ".join(chosen)


def _keywords(words: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in words:
        word = word.strip("'-")
        if len(word) >= 3 and word not in _STOPWORDS and not word.endswith("ly"):
            seen.setdefault(word, None)
    return tuple(seen)[:5]
