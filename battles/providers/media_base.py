"""The contracts for image, music and search providers, next to the text one in `base.py`.

Like `base.py`, free of Django. Media providers yield `Progress` events and then exactly one
`MediaResult` whose bytes are *untrusted*: the battle decodes and re-encodes them (see
`battles.media`) before anything is stored, so a corrupt file fails that side cleanly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from .base import ChatMessage, ProviderError, TextDelta, Usage


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0.0 … 1.0
    stage: str = ""  # "queued", "drawing", "mixing", … shown as-is, so never an identity


@dataclass(frozen=True)
class MediaResult:
    data: bytes
    content_type: str = ""  # what the backend claimed; not trusted


MediaEvent = Progress | MediaResult
OnProgress = Callable[[Progress], Awaitable[None]]


async def media_result_read(
    events: AsyncIterator[MediaEvent], on_progress: OnProgress | None = None
) -> MediaResult:
    """The one file a media provider returned (ProviderError when none), passing its progress
    on: live sides relay it to the page, answers made in advance have nobody to tell."""
    result: MediaResult | None = None
    async for event in events:
        if isinstance(event, Progress):
            if on_progress is not None:
                await on_progress(event)
        elif isinstance(event, MediaResult):
            result = event
    if result is None or not result.data:
        raise ProviderError("The model returned no file.")
    return result


class ImageProvider(Protocol):
    def generate_image(
        self, prompt: str, *, width: int, height: int
    ) -> AsyncIterator[MediaEvent]: ...


@dataclass(frozen=True)
class MusicRequest:
    """What the router read from the prompt; every music provider gets the same fields."""

    prompt: str
    instrumental: bool
    lyrics: str = ""  # lyrics the annotator wrote, or ""
    write_lyrics: bool = False  # vocals wanted and no lyrics given: the model writes them
    duration_s: float = 10.0


class MusicProvider(Protocol):
    def generate_music(self, request: MusicRequest) -> AsyncIterator[MediaEvent]: ...


@dataclass(frozen=True)
class SearchHit:
    url: str
    title: str
    snippet: str = ""

    @property
    def domain(self) -> str:
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")

    def as_json(self) -> dict[str, str]:
        return {"url": self.url, "title": self.title, "snippet": self.snippet,
                "domain": self.domain}


@dataclass(frozen=True)
class SearchQuery:
    query: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[SearchHit, ...]
    elapsed_ms: int


@dataclass(frozen=True)
class SourcesCited:
    """The provider's own numbering: marker `n` in its answer points at `sources[n - 1]`."""

    sources: tuple[SearchHit, ...] = field(default_factory=tuple)


SearchEvent = TextDelta | SearchQuery | SearchResults | SourcesCited | Usage


class SearchProvider(Protocol):
    """Streams an answer with numbered citation markers, reporting its searches on the way.

    Yields any number of `SearchQuery` / `SearchResults` / `TextDelta`, then exactly one
    `SourcesCited` and one `Usage`, or raises `ProviderError`.
    """

    def stream_search_chat(
        self, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[SearchEvent]: ...
