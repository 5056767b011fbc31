"""Search-augmented chat: answers cite numbered sources in one standardized style (raw provider
markers never reach the page), with the full system trace stored per answer."""

from __future__ import annotations

import time
from typing import Any

from battles.citations import citations_standardize, citations_to_html, sources_public
from battles.modalities.base import (
    AdvanceAnswer,
    ArenaSettings,
    DemoArena,
    DemoContender,
    ModalitySpec,
)
from battles.providers import ChatMessage, ProviderError, ProviderSettings, TextDelta, Usage
from battles.providers.media_base import SearchQuery
from battles.providers.registry import SEARCH_KINDS, search_provider_for
from battles.search_trace import SearchTrace
from battles.services.outputs import generation_finish_with_trace
from battles.sides.failures import side_store
from battles.sides.guard import SideRun, side_guarded
from battles.sides.plan import Send, SidePlan
from battles.storable import storable_text

RENDER_INTERVAL_S = 0.1
EMPTY = "The model returned an empty answer."


async def side_search(plan: SidePlan, turn_index: int, send: Send) -> None:
    """Stream the answer with citations standardized on the fly, then store the text and the
    full trace."""

    async def work(run: SideRun) -> dict[str, Any]:
        provider = search_provider_for(plan.settings)
        collected = SearchTrace()
        last_render = 0.0
        async for event in provider.stream_search_chat(plan.messages):
            collected.add(event, at_ms=run.elapsed_ms())
            if isinstance(event, SearchQuery):
                await send({"type": "progress", "side": plan.side, "turn": turn_index,
                            "stage": "searching"})
            elif isinstance(event, TextDelta) and event.text:
                run.token(event.text)
                if time.monotonic() - last_render >= RENDER_INTERVAL_S:
                    last_render = time.monotonic()
                    text, cited = citations_standardize(run.text, collected.seen)
                    await send({"type": "chunk", "side": plan.side, "turn": turn_index,
                                "delta": "", "html": citations_to_html(text, cited)})
            elif isinstance(event, Usage):
                run.usage = event
        raw = run.text
        if not raw.strip():
            raise ProviderError(EMPTY)
        text, cited, trace = collected.finish(raw, first_token_ms=run.first_token_ms(),
                                              total_ms=run.elapsed_ms())
        usage = run.usage
        await side_store(
            generation_finish_with_trace, generation_id=plan.generation_id, text=text, trace=trace,
            time_to_first_token_ms=run.first_token_ms(), duration_ms=run.elapsed_ms(),
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )
        text = storable_text(text)
        return {"html": citations_to_html(text, cited), "sources": sources_public(cited)}

    await side_guarded(plan, turn_index, send, work)


async def search_advance(settings: ProviderSettings, prompt: str, request: dict[str, Any],
                         arena_settings: ArenaSettings) -> AdvanceAnswer:
    """The whole answer, its citations in the one style and the full trace (citations in
    `trace["citations"]`), with nobody watching it stream."""
    provider = search_provider_for(settings)
    collected = SearchTrace()
    parts: list[str] = []
    started = time.monotonic()
    first_token_ms: int | None = None
    async for event in provider.stream_search_chat([ChatMessage(role="user", content=prompt)]):
        elapsed_ms = int((time.monotonic() - started) * 1000)
        collected.add(event, at_ms=elapsed_ms)
        if isinstance(event, TextDelta) and event.text:
            first_token_ms = elapsed_ms if first_token_ms is None else first_token_ms
            parts.append(event.text)
    raw = "".join(parts)
    if not raw.strip():
        raise ProviderError(EMPTY)
    text, _, trace = collected.finish(raw, first_token_ms=first_token_ms,
                                      total_ms=int((time.monotonic() - started) * 1000))
    return AdvanceAnswer(kind="search", text=text, trace=trace)


SPEC = ModalitySpec(
    slug="search",
    label="Search-augmented chat",
    provider_kinds=tuple(SEARCH_KINDS),
    provider_for=search_provider_for,
    runner=side_search,
    advance=search_advance,
    template="battles/partials/search.html",
    script="battles/search.js",
    release_kind="search",
    release_task="question-answering",
    demo=DemoArena(
        slug="search",
        name="Search Arena (demo)",
        description="Ask questions; two anonymous search-augmented models answer with "
                    "citations. The seeded models search a small bundled corpus offline.",
        contenders=(
            DemoContender("demo-librarian", "Demo Librarian", "demo_search", {"style": "thorough"}),
            DemoContender("demo-snippet", "Demo Snippet", "demo_search", {"style": "brief"}),
            DemoContender("demo-citer", "Demo Citer", "demo_search", {"style": "overciter"}),
            DemoContender("demo-guesser", "Demo Guesser", "demo_search", {"style": "uncited"}),
        ),
    ),
)
