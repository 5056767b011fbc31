"""How one side of an image, music or search turn runs; text keeps its runner in `streaming`.

Same rules as text: messages name only the side; each side fails on its own with a clear
message (provider error, timeout, corrupt file, crash) and nothing half-made is stored; the
battle settles through `generation_finish` / `generation_fail`.

Search sides run in the web process, inside the consumer's task, streaming over the same
WebSocket (a closed page cancels them like a text stream). Image and music sides run in a
Celery worker (battles/worker_sides.py), which passes a `send` that publishes to the battle's
group; the page's relay forwards it (battles/worker_relay.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from battles.citations import citations_standardize, citations_to_html, sources_public
from battles.media import CleanMedia, audio_clean, image_clean
from battles.models import MediaAsset
from battles.providers import ProviderError, TextDelta, Usage
from battles.providers.media_base import (
    MediaEvent,
    MediaResult,
    MusicRequest,
    Progress,
    SearchHit,
    SearchQuery,
    SearchResults,
    SourcesCited,
)
from battles.providers.registry import (
    image_provider_for,
    music_provider_for,
    search_provider_for,
)
from battles.services.outputs import generation_finish_with_media, generation_finish_with_trace
from battles.side_failures import side_fail, side_failure_for, side_interrupted, side_store
from battles.storable import storable_text
from ops.provider_health import side_outcome

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from battles.streaming import Send, SidePlan

DEFAULT_IMAGE_SIZE = 512
MAX_IMAGE_SIZE = 1536

Work = Callable[[], Awaitable[dict[str, Any]]]


async def side_guarded(plan: SidePlan, turn_index: int, send: Send, work: Work) -> None:
    """Run `work` (which stores the generation through `side_store` and returns the extra
    `side_done` fields); turn any failure, storing included, into a failed side with a message
    that names nothing (battles/side_failures.py). Provider health hears of the side only once
    its outcome is known, as a text side's does (ops/provider_health.py)."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(plan.settings.total_timeout):
            done = await work()
    except asyncio.CancelledError:
        await side_interrupted(plan, duration_ms=elapsed_ms())
        raise
    except Exception as error:
        await side_fail(plan, turn_index, send,
                        side_failure_for(error, timeout_s=plan.settings.total_timeout),
                        error=error, duration_ms=elapsed_ms())
        return
    await side_outcome(contender_id=plan.contender_id, arena=plan.labels[0],
                       contender=plan.labels[1], ok=True, seconds=time.monotonic() - started)
    await send({"type": "side_done", "side": plan.side, "turn": turn_index, "html": "", **done})


def media_public(asset: MediaAsset) -> dict[str, Any]:
    """What the page learns about a file: an opaque URL and its shape."""
    return {
        "kind": asset.kind,
        "url": reverse("battles:media", args=[asset.id]),
        "content_type": asset.content_type,
        "width": asset.width,
        "height": asset.height,
        "duration_ms": asset.duration_ms,
    }


async def _media_result(
    events: AsyncIterator[MediaEvent], plan: SidePlan, turn_index: int, send: Send
) -> MediaResult:
    result: MediaResult | None = None
    async for event in events:
        if isinstance(event, Progress):
            await send({"type": "progress", "side": plan.side, "turn": turn_index,
                        "fraction": round(min(max(event.fraction, 0.0), 1.0), 3),
                        "stage": event.stage[:40]})
        elif isinstance(event, MediaResult):
            result = event
    if result is None or not result.data:
        raise ProviderError("The model returned no file.")
    return result


async def _finish(plan: SidePlan, media: CleanMedia, started: float) -> dict[str, Any]:
    asset = await side_store(
        generation_finish_with_media, generation_id=plan.generation_id, media=media,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    return {"media": media_public(asset)}


def image_size(arena_settings: dict[str, Any]) -> tuple[int, int]:
    def dimension(name: str) -> int:
        value = int(arena_settings.get(name, DEFAULT_IMAGE_SIZE))
        return min(max(value, 64), MAX_IMAGE_SIZE)

    return dimension("image_width"), dimension("image_height")


async def side_image(plan: SidePlan, turn_index: int, send: Send) -> None:
    async def work() -> dict[str, Any]:
        started = time.monotonic()
        width, height = image_size(plan.arena_settings)
        provider = image_provider_for(plan.settings)
        events = provider.generate_image(plan.prompt, width=width, height=height)
        result = await _media_result(events, plan, turn_index, send)
        media = await asyncio.to_thread(image_clean, result.data, width=width, height=height)
        return await _finish(plan, media, started)

    await side_guarded(plan, turn_index, send, work)


def music_request(plan: SidePlan) -> MusicRequest:
    request = plan.request
    return MusicRequest(
        prompt=plan.prompt,
        instrumental=bool(request.get("instrumental", True)),
        lyrics=str(request.get("lyrics", "")),
        write_lyrics=bool(request.get("write_lyrics", False)),
        duration_s=float(request.get("duration_s", 10)),
    )


async def side_music(plan: SidePlan, turn_index: int, send: Send) -> None:
    async def work() -> dict[str, Any]:
        started = time.monotonic()
        request = music_request(plan)
        provider = music_provider_for(plan.settings)
        result = await _media_result(provider.generate_music(request), plan, turn_index, send)
        media = await asyncio.to_thread(audio_clean, result.data,
                                        max_duration_s=request.duration_s)
        return await _finish(plan, media, started)

    await side_guarded(plan, turn_index, send, work)


RENDER_INTERVAL_S = 0.1


async def side_search(plan: SidePlan, turn_index: int, send: Send) -> None:
    """Stream the answer with citations standardized on the fly (raw provider markers never
    reach the page), then store the text and the full trace."""

    async def work() -> dict[str, Any]:
        started = time.monotonic()

        def now_ms() -> int:
            return int((time.monotonic() - started) * 1000)

        provider = search_provider_for(plan.settings)
        parts: list[str] = []
        sources: tuple[SearchHit, ...] = ()
        seen_hits: list[SearchHit] = []
        usage: Usage | None = None
        first_token_ms: int | None = None
        trace: dict[str, Any] = {"queries": [], "results": []}
        last_render = 0.0
        async for event in provider.stream_search_chat(plan.messages):
            if isinstance(event, SearchQuery):
                trace["queries"].append({"query": event.query, "at_ms": now_ms()})
                await send({"type": "progress", "side": plan.side, "turn": turn_index,
                            "stage": "searching"})
            elif isinstance(event, SearchResults):
                seen_hits.extend(event.hits)
                trace["results"].append({"query": event.query, "elapsed_ms": event.elapsed_ms,
                                         "hits": [h.as_json() for h in event.hits]})
            elif isinstance(event, TextDelta) and event.text:
                first_token_ms = first_token_ms if first_token_ms is not None else now_ms()
                parts.append(event.text)
                if time.monotonic() - last_render >= RENDER_INTERVAL_S:
                    last_render = time.monotonic()
                    text, cited = citations_standardize("".join(parts), seen_hits)
                    await send({"type": "chunk", "side": plan.side, "turn": turn_index,
                                "delta": "", "html": citations_to_html(text, cited)})
            elif isinstance(event, SourcesCited):
                sources = event.sources
            elif isinstance(event, Usage):
                usage = event
        raw = "".join(parts)
        if not raw.strip():
            raise ProviderError("The model returned an empty answer.")
        text, cited = citations_standardize(raw, sources)
        trace.update(
            provider_sources=[h.as_json() for h in sources],
            citations=cited,
            raw_answer=raw,
            timings={"first_token_ms": first_token_ms, "total_ms": now_ms(),
                     "search_ms": sum(r["elapsed_ms"] for r in trace["results"])},
        )
        await side_store(
            generation_finish_with_trace, generation_id=plan.generation_id, text=text, trace=trace,
            time_to_first_token_ms=first_token_ms, duration_ms=now_ms(),
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )
        text = storable_text(text)
        return {"html": citations_to_html(text, cited), "sources": sources_public(cited)}

    await side_guarded(plan, turn_index, send, work)


Runner = Callable[["SidePlan", int, "Send"], Awaitable[None]]

# Sides the web process streams itself (search answers stream token by token, like text).
RUNNERS: dict[str, Runner] = {
    "search": side_search,
}
# Sides made in Celery workers (battles/worker_sides.py); the web process queues them and
# relays their messages (battles/worker_relay.py), so a closed page does not cancel them.
WORKER_RUNNERS: dict[str, Runner] = {
    "image": side_image,
    "music": side_music,
}
