"""How each demo style writes its answer, from the same reading of the prompt.

Why apart from `demo_answer`: these are the variants, one composer and its canned phrases per
style, ordered from best to worst; the entry point only seeds and dispatches. A new style is a
composer here and its name in `COMPOSERS` and `demo_answers.STYLES`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .demo_code import code_block
from .demo_prompt import DemoPrompt

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


def _expert(prompt: DemoPrompt, rng: random.Random) -> str:
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
        parts.append(code_block(prompt, rng))
        parts.append(
            "Keep examples like this small and give them a test of their own; that makes "
            "regressions obvious as the code grows."
        )

    parts.append("## Conclusion")
    parts.append(rng.choice(_CONCLUSIONS).format(topic=topic))
    return "\n\n".join(parts)


def _comparison_table(prompt: DemoPrompt, rng: random.Random) -> str:
    left = prompt.keyword(0).capitalize()
    right = prompt.keyword(1).capitalize() if len(prompt.keywords) > 1 else "The alternative"
    rows = [f"| Aspect | {left} | {right} |", "|---|---|---|"]
    for aspect, options in _ASPECTS:
        first, second = rng.sample(options, k=2)
        rows.append(f"| {aspect} | {first} | {second} |")
    return "## Comparison\n\n" + "\n".join(rows)


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


def _concise(prompt: DemoPrompt, rng: random.Random) -> str:
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
        answer += "\n\n" + code_block(prompt, rng)
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


def _verbose(prompt: DemoPrompt, rng: random.Random) -> str:
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
            + code_block(prompt, rng)
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


def _sloppy(prompt: DemoPrompt, rng: random.Random) -> str:
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


def _broken(prompt: DemoPrompt, rng: random.Random) -> str:
    """A deliberately broken answer for gold battles: an attentive annotator never prefers it.

    Reversed keywords and a collapsing repetition, so it is plainly wrong in any language.
    """
    words = [word[::-1] for word in prompt.keywords] or ["rewsna"]
    salad = " ".join(rng.choice(words) for _ in range(rng.randint(10, 16)))
    return f"{salad} {' '.join(['the'] * rng.randint(8, 14))}"


COMPOSERS: dict[str, Callable[[DemoPrompt, random.Random], str]] = {
    "expert": _expert,
    "concise": _concise,
    "verbose": _verbose,
    "sloppy": _sloppy,
    "broken": _broken,
}
