"""Offline answers of deliberately different quality, so an arena without real models still
produces votes that mean something: "expert" should beat "concise", which should beat "verbose"
and "sloppy".

Answers are composed from templates filled with the prompt's keywords. They are deterministic for
a given conversation and style (seeded from a hash of both) and vary across prompts. They never
name a model.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .base import ChatMessage

STYLES = ("expert", "concise", "verbose", "sloppy", "broken")

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

_LANGUAGES = {
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
class _Prompt:
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


def demo_answer(style: str, messages: Sequence[ChatMessage]) -> str:
    if style not in _COMPOSERS:
        raise ValueError(f"Unknown demo style {style!r}; use one of {', '.join(STYLES)}.")
    conversation = "\n".join(f"{m.role}: {m.content}" for m in messages)
    seed = int.from_bytes(hashlib.sha256(f"{style}\n{conversation}".encode()).digest()[:8], "big")
    return _COMPOSERS[style](_analyse(messages), random.Random(seed)).strip() + "\n"


def _analyse(messages: Sequence[ChatMessage]) -> _Prompt:
    user_turns = [m.content for m in messages if m.role == "user"]
    text = user_turns[-1] if user_turns else ""
    words = _words(text)
    lowered = text.lower()
    language = next((_LANGUAGES[w] for w in words if w in _LANGUAGES), "python")
    return _Prompt(
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


# --- expert -------------------------------------------------------------------------------------

_POINTS = (
    "**Define {kw} precisely.** Most confusion comes from two people meaning slightly different "
    "things by it, so write down the definition you are working with.",
    "**Start simple with {kw}.** Get a minimal version working end to end, then add complexity "
    "only when a concrete need shows up.",
    "**Measure before optimising {kw}.** A small experiment with real numbers beats general "
    "advice, and it tells you where the time actually goes.",
    "**Check the edge cases of {kw}:** empty input, very large input, and what happens when a "
    "dependency fails halfway through.",
    "**Document the assumptions behind {kw}.** Future readers (including you) need to know why "
    "a choice was made, not only what was chosen.",
    "**Compare at least two approaches to {kw}** before committing; the second option often "
    "reveals a trade-off you had not noticed.",
    "**Keep {kw} observable.** Logs and a few clear metrics make problems visible long before "
    "users report them.",
)

_STEPS = (
    "Clarify the goal: what should be true about {kw} when you are done?",
    "Gather what you need: inputs, access and a way to check the result for {kw}.",
    "Build the smallest working version of {kw} and verify it by hand.",
    "Automate the check so regressions in {kw} are caught immediately.",
    "Iterate: improve {kw} one change at a time and re-run the check after each.",
)

_ASPECTS = (
    ("Learning curve", ("gentle", "moderate", "steep")),
    ("Performance", ("excellent", "good", "adequate")),
    ("Ecosystem", ("large and mature", "growing", "small but focused")),
    ("Best suited for", ("quick prototypes", "large teams", "performance-critical work")),
)

_CONCLUSIONS = (
    "If you remember one thing: get a simple version of {topic} working first, then improve it "
    "with measurements rather than guesses.",
    "In short, {topic} rewards a careful definition up front and small, verified steps after.",
    "Overall, the right approach to {topic} depends on your constraints, but the checklist above "
    "covers the decisions that matter most.",
)

# Code templates are real code, full of literal braces ("{}", "Map { 'a' => 2 }", "${1:?...}"),
# so they are filled by `_code_fill`, which replaces only the named placeholders below and never
# interprets any other brace: `str.format` on them raised KeyError and failed a side.
_CODE_PLACEHOLDER = re.compile(r"\{(ident|Ident|kw)\}")

_CODE = {
    "python": (
        '''def summarize_{ident}(items: list[str]) -> dict[str, int]:
    """Count how often each {kw} value appears, ignoring case and blanks."""
    counts: dict[str, int] = {}
    for item in items:
        key = item.strip().lower()
        if key:
            counts[key] = counts.get(key, 0) + 1
    return counts


print(summarize_{ident}(["A", "b", "a", " "]))  # {'a': 2, 'b': 1}''',
        '''from functools import lru_cache


@lru_cache(maxsize=None)
def {ident}_steps(n: int) -> int:
    """Number of ways to reach step n taking 1 or 2 steps at a time ({kw})."""
    if n < 2:
        return 1
    return {ident}_steps(n - 1) + {ident}_steps(n - 2)


assert {ident}_steps(10) == 89''',
    ),
    "javascript": (
        """function summarize{Ident}(items) {
  // Count how often each {kw} value appears, ignoring case and blanks.
  const counts = new Map();
  for (const item of items) {
    const key = item.trim().toLowerCase();
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

console.log(summarize{Ident}(["A", "b", "a", " "])); // Map { 'a' => 2, 'b' => 1 }""",
    ),
    "sql": (
        """-- Count rows per {kw} value, most frequent first.
SELECT lower(trim({ident})) AS value, count(*) AS occurrences
FROM items
WHERE trim({ident}) <> ''
GROUP BY lower(trim({ident}))
ORDER BY occurrences DESC
LIMIT 10;""",
    ),
    "bash": (
        """#!/usr/bin/env bash
set -euo pipefail
# Count how often each {kw} value appears in a file, most frequent first.
tr '[:upper:]' '[:lower:]' < "${1:?usage: $0 FILE}" \\
  | sed '/^[[:space:]]*$/d' \\
  | sort | uniq -c | sort -rn | head -n 10""",
    ),
}


def _expert(prompt: _Prompt, rng: random.Random) -> str:
    if prompt.is_greeting:
        return (
            "Hello! I can help with explanations, code, comparisons and step-by-step plans.\n\n"
            "Tell me what you are working on and what a good answer would look like for you."
        )
    topic = prompt.topic
    parts: list[str] = []
    if prompt.earlier_topic:
        parts.append(
            f"Building on your earlier question about {prompt.earlier_topic}, here is how "
            f"**{topic}** fits in."
        )
    else:
        parts.append(
            f"Good question. Here is a structured overview of **{topic}**, with the points that "
            "matter most in practice."
        )

    if prompt.is_how_to:
        parts.append("## Steps")
        steps = [s.format(kw=prompt.keyword(i)) for i, s in enumerate(_STEPS)]
        parts.append("\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1)))
    else:
        parts.append("## Key points")
        points = rng.sample(_POINTS, k=rng.randint(3, 5))
        parts.append("\n".join(f"- {p.format(kw=prompt.keyword(i))}" for i, p in enumerate(points)))

    if prompt.is_comparison:
        parts.append(_comparison_table(prompt, rng))

    if prompt.is_code:
        parts.append("## Example")
        parts.append(_code_block(prompt, rng))
        parts.append(
            "Keep examples like this small and give them a test of their own; that makes "
            "regressions obvious as the code grows."
        )

    parts.append("## Conclusion")
    parts.append(rng.choice(_CONCLUSIONS).format(topic=topic))
    return "\n\n".join(parts)


def _comparison_table(prompt: _Prompt, rng: random.Random) -> str:
    left = prompt.keyword(0).capitalize()
    right = prompt.keyword(1).capitalize() if len(prompt.keywords) > 1 else "The alternative"
    rows = [f"| Aspect | {left} | {right} |", "|---|---|---|"]
    for aspect, options in _ASPECTS:
        first, second = rng.sample(options, k=2)
        rows.append(f"| {aspect} | {first} | {second} |")
    return "## Comparison\n\n" + "\n".join(rows)


def _code_block(prompt: _Prompt, rng: random.Random) -> str:
    keyword = next((k for k in prompt.keywords if k not in _LANGUAGES), "value")
    ident = re.sub(r"[^a-z0-9]+", "_", keyword).strip("_") or "value"
    template = rng.choice(_CODE[prompt.language])
    code = _code_fill(template, ident=ident, Ident=ident.title().replace("_", ""), kw=keyword)
    return f"```{prompt.language}\n{code}\n```"


def _code_fill(template: str, **values: str) -> str:
    return _CODE_PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


# --- concise ------------------------------------------------------------------------------------

_CONCISE_LEADS = (
    "Short answer: {topic} comes down to a clear goal and small, verified steps.",
    "In brief: start with the simplest working version of {topic}, then refine it.",
    "Direct answer: focus on what {topic} must achieve and check it early.",
)

_CONCISE_TIPS = (
    "Define {kw} precisely before you start.",
    "Measure {kw} instead of guessing.",
    "Test the edge cases of {kw}.",
    "Keep {kw} simple until a real need appears.",
)


def _concise(prompt: _Prompt, rng: random.Random) -> str:
    if prompt.is_greeting:
        return "Hi! What can I help you with?"
    lead = rng.choice(_CONCISE_LEADS).format(topic=prompt.topic)
    tips = rng.sample(_CONCISE_TIPS, k=2)
    sentences = [lead, *(t.format(kw=prompt.keyword(i)) for i, t in enumerate(tips))]
    if prompt.is_comparison and len(prompt.keywords) > 1:
        sentences.append(
            f"Pick {prompt.keyword(0)} for speed of development, "
            f"{prompt.keyword(1)} when control matters more."
        )
    answer = " ".join(sentences)
    if prompt.is_code:
        answer += "\n\n" + _code_block(prompt, rng)
    return answer


# --- verbose ------------------------------------------------------------------------------------

_VERBOSE_OPENERS = (
    "Thank you so much for your question about {topic}! This is a really interesting and "
    "important question, and it is one that many people ask, so let me try to answer it as "
    "completely and thoroughly as I possibly can.",
    "What a great question about {topic}! There are many, many things to consider here, and it "
    "is important to consider all of them carefully before coming to any conclusion at all.",
)

_PADDING = (
    "It is important to note that",
    "As mentioned above,",
    "Generally speaking, in most cases,",
    "It goes without saying that",
    "At the end of the day,",
    "When all is said and done,",
    "To put it another way,",
    "As I said before, and it bears repeating,",
)

_VERBOSE_CLAIMS = (
    "{kw} is something that really matters, and it matters a great deal in many situations",
    "there are many different aspects of {kw} that one could consider in many different ways",
    "{kw} can be approached from a variety of different angles and perspectives",
    "the topic of {kw} is broad, and there is a lot that could be said about {kw}",
    "understanding {kw} well requires understanding {kw} in its full context",
)


def _verbose(prompt: _Prompt, rng: random.Random) -> str:
    if prompt.is_greeting:
        return (
            "Hello there, and thank you so much for reaching out! It is truly wonderful to hear "
            "from you. I am here to help you with absolutely anything you might need help with, "
            "whether it is a question, a problem, a topic, or anything else at all. Please do "
            "not hesitate to ask me anything, because asking is always the first step, and the "
            "first step is always the most important step. I look forward to helping you!"
        )
    topic = prompt.topic
    paragraphs = [rng.choice(_VERBOSE_OPENERS).format(topic=topic)]
    if prompt.earlier_topic:
        paragraphs.append(
            f"Before I begin, let me remind you that you previously asked about "
            f"{prompt.earlier_topic}, which is also a very interesting topic, and much of what I "
            "said about it also applies here, more or less, in one way or another."
        )
    for index in range(rng.randint(4, 6)):
        sentences = []
        for _ in range(3):
            claim = rng.choice(_VERBOSE_CLAIMS).format(kw=prompt.keyword(index))
            sentences.append(f"{rng.choice(_PADDING)} {claim}.")
        paragraphs.append(" ".join(sentences))
    if prompt.is_code:
        paragraphs.append(
            "Now, when it comes to the code itself, it is important to write code that works, and "
            "code that works is code that has been written carefully, so write it carefully:\n\n"
            + _code_block(prompt, rng)
            + "\n\nAs you can see, this code is code that does what the code is meant to do."
        )
    paragraphs.append(
        f"In conclusion, to summarise everything that has been said above about {topic}: "
        f"{topic} is an important topic with many aspects, and I hope this comprehensive and "
        "detailed answer has helped you to understand it better. Please let me know if you have "
        "any further questions, because I would be more than happy to elaborate even further."
    )
    return "\n\n".join(paragraphs)


# --- sloppy -------------------------------------------------------------------------------------

_SLOPPY_LINES = (
    "well {kw} is kind of complicated, it depends on alot of stuff",
    "i think {kw} usualy works if you just try it a few times",
    "most people dont really worry about {kw} that much tbh",
    "you could maybe look at {kw} from another angle, or not",
    "{kw} is basically the same as everything else more or less",
)

_OFF_TOPIC = (
    "btw the weather has been weird lately which might matter too",
    "also coffee helps when dealing with this kind of thing",
    "fun fact: octopuses have three hearts",
    "anyway i once read a long article about something similar but forgot it",
)


def _sloppy(prompt: _Prompt, rng: random.Random) -> str:
    if prompt.is_greeting:
        return "hey whats up"
    lines = [
        rng.choice(_SLOPPY_LINES).format(kw=prompt.keyword(i)) for i in range(rng.randint(2, 4))
    ]
    lines.insert(rng.randint(1, len(lines)), rng.choice(_OFF_TOPIC))
    if prompt.earlier_topic:
        lines.insert(0, f"like i said before about {prompt.earlier_topic}")
    text = ". ".join(_typo(line, rng) for line in lines)
    if prompt.is_code:
        text += f"\n\n    {prompt.keyword(0)} = do_the_thing()  # should work??"
    if rng.random() < 0.4:
        words = text.split(" ")
        return " ".join(words[: max(4, int(len(words) * 0.7))])
    return text + "."


def _typo(line: str, rng: random.Random) -> str:
    words = line.split(" ")
    for index, word in enumerate(words):
        if len(word) > 4 and word.isalpha() and rng.random() < 0.25:
            at = rng.randint(1, len(word) - 3)
            words[index] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def _broken(prompt: _Prompt, rng: random.Random) -> str:
    """A deliberately broken answer for gold battles: an attentive annotator never prefers it.

    Reversed keywords and a collapsing repetition, so it is plainly wrong in any language.
    """
    words = [word[::-1] for word in prompt.keywords] or ["rewsna"]
    salad = " ".join(rng.choice(words) for _ in range(rng.randint(10, 16)))
    return f"{salad} {' '.join(['the'] * rng.randint(8, 14))}"


_COMPOSERS: dict[str, Callable[[_Prompt, random.Random], str]] = {
    "expert": _expert,
    "concise": _concise,
    "verbose": _verbose,
    "sloppy": _sloppy,
    "broken": _broken,
}
