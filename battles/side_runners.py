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
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.urls import reverse

from battles.citations import citations_standardize, citations_to_html, sources_public
from battles.media import CleanMedia, audio_clean, image_clean
from battles.media_formats import audio_format_for, image_format_for
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
from battles.services import generation_fail
from battles.services.outputs import generation_finish_with_media, generation_finish_with_trace
from ops.provider_health import side_outcome

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from battles.streaming import Send, SidePlan

logger = logging.getLogger(__name__)

Work = Callable[[], Awaitable[dict[str, Any]]]


async def side_guarded(plan: SidePlan, turn_index: int, send: Send, work: Work) -> None:
    """Run `work` (which finishes the generation and returns the extra `side_done` fields);
    turn any failure into a failed side with a message that names nothing. Each outcome counts
    towards the contender's provider health, as a text side's does (ops/provider_health.py)."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    async def outcome(ok: bool, kind: str = "") -> None:
        await side_outcome(contender_id=plan.contender_id, arena=plan.labels[0],
                           contender=plan.labels[1], ok=ok, kind=kind,
                           seconds=time.monotonic() - started)

    async def fail(message: str, kind: str = "error") -> None:
        await outcome(False, kind)
        await database_sync_to_async(generation_fail)(
            generation_id=plan.generation_id, error=message, duration_ms=elapsed_ms()
        )
        await send({"type": "side_failed", "side": plan.side, "turn": turn_index,
                    "error": message})

    try:
        async with asyncio.timeout(plan.settings.total_timeout):
            done = await work()
    except ProviderError as error:
        await fail(str(error))
        return
    except TimeoutError:
        await fail(f"The model took longer than {plan.settings.total_timeout:g} s.", "timeout")
        return
    except asyncio.CancelledError:
        await asyncio.shield(database_sync_to_async(generation_fail)(
            generation_id=plan.generation_id, error="Interrupted: the page was closed.",
            duration_ms=elapsed_ms(),
        ))
        raise
    except Exception:
        logger.exception("side %s of generation %s crashed", plan.side, plan.generation_id)
        await fail("Something went wrong on our side while generating this answer.", "internal")
        return
    await outcome(True)
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
    asset = await database_sync_to_async(generation_finish_with_media)(
        generation_id=plan.generation_id, media=media,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    return {"media": media_public(asset)}


async def side_image(plan: SidePlan, turn_index: int, send: Send) -> None:
    async def work() -> dict[str, Any]:
        started = time.monotonic()
        target = image_format_for(plan.arena_settings)
        provider = image_provider_for(plan.settings)
        events = provider.generate_image(plan.prompt, width=target.width, height=target.height)
        result = await _media_result(events, plan, turn_index, send)
        media = await asyncio.to_thread(image_clean, result.data, target=target)
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
                                        target=audio_format_for(plan.arena_settings),
                                        duration_s=request.duration_s)
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
        await database_sync_to_async(generation_finish_with_trace)(
            generation_id=plan.generation_id, text=text, trace=trace,
            time_to_first_token_ms=first_token_ms, duration_ms=now_ms(),
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )
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
