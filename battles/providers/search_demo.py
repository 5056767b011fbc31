"""Offline demo search contenders: BM25 over the bundled corpus, answers that cite what they used.

`params`: "style" —
  "thorough"   three best passages, one claim each, each cited once, markers `[n]`;
  "brief"      the best passage only, one sentence, markers `[^n]`;
  "overciter"  five passages, every sentence cited to all of them, relevant or not (users tend to
               trust many citations, Search Arena found; this contender tests that), markers `【n】`;
  "uncited"    a vague answer from memory: no search, no citations;
"token_delay" (seconds between chunks, default 0.01).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Sequence

from .base import ChatMessage, ProviderSettings, TextDelta, Usage
from .demo import answer_chunks
from .media_base import SearchEvent, SearchHit, SearchQuery, SearchResults, SourcesCited
from .search_index import corpus_search

SEARCH_STYLES = ("thorough", "brief", "overciter", "uncited")
NOTHING_FOUND = "I could not find sources about that in my index, so I will not guess."


def _query(messages: Sequence[ChatMessage]) -> str:
    """The last question, with the previous one's words when it is a short follow-up."""
    prompts = [m.content for m in messages if m.role == "user"]
    last = prompts[-1] if prompts else ""
    if len(last.split()) < 5 and len(prompts) > 1:
        return f"{prompts[-2]} {last}"
    return last


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]


def _answer(style: str, hits: list[SearchHit]) -> str:
    if not hits:
        return NOTHING_FOUND
    if style == "brief":
        return f"{_first_sentence(hits[0].snippet)} [^1]"
    if style == "overciter":
        every = "".join(f"【{n}】" for n in range(1, len(hits) + 1))
        return " ".join(f"{_first_sentence(h.snippet)}{every}" for h in hits[:2])
    lines = ["Here is what the sources say:", ""]
    lines += [f"- {h.snippet} [{n}]" for n, h in enumerate(hits, start=1)]
    lines += ["", f"In short: {_first_sentence(hits[0].snippet)} [1]"]
    return "\n".join(lines)


class DemoSearchProvider:
    def __init__(self, settings: ProviderSettings):
        self.style = str(settings.params.get("style") or "thorough")
        if self.style not in SEARCH_STYLES:
            raise ValueError(f"Unknown demo search style {self.style!r}; use one of "
                             f"{', '.join(SEARCH_STYLES)}.")
        self.token_delay = float(settings.params.get("token_delay", 0.01))

    async def stream_search_chat(
        self, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[SearchEvent]:
        hits: list[SearchHit] = []
        if self.style == "uncited":
            text = ("That depends on many things. Generally it is a well-known topic and most "
                    "sources agree on the basics, so you can look it up.")
        else:
            query = _query(messages)
            yield SearchQuery(query)
            started = time.monotonic()
            k = {"thorough": 3, "brief": 1, "overciter": 5}[self.style]
            hits = [scored.hit for scored in corpus_search(query, k=k)]
            yield SearchResults(query, tuple(hits), int((time.monotonic() - started) * 1000))
            text = _answer(self.style, hits)
        for index, chunk in enumerate(answer_chunks(text)):
            if index:
                await asyncio.sleep(self.token_delay)
            yield TextDelta(chunk)
        yield SourcesCited(tuple(hits))
        yield Usage(prompt_tokens=None, completion_tokens=len(text.split()))
