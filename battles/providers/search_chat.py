"""Search-augmented chat: a pluggable HTTP search backend feeding an OpenAI-compatible model.

The backend speaks the SearxNG JSON API (`GET {search_url}/search?q=…&format=json`, answering
`{"results": [{"url", "title", "content"}, …]}`). The numbered results go into a system message
that asks for `[n]` citations; the chat model's answer streams through `OpenAIChatProvider`.
`params`: "search_url" (required), "num_results" (default 5), chat params pass through.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import replace

import httpx

from .base import ChatMessage, ProviderError, ProviderSettings, TextDelta, Usage
from .http_errors import client_timeout
from .media_base import SearchEvent, SearchHit, SearchQuery, SearchResults, SourcesCited
from .openai_chat import OpenAIChatProvider

_OWN_PARAMS = ("search_url", "num_results")
INSTRUCTIONS = (
    "Answer the user's question using the numbered search results below. Cite each claim with "
    "the result's number in square brackets, like [1]. If the results do not answer it, say so."
)


class SearchChatProvider:
    def __init__(self, settings: ProviderSettings):
        self.settings = settings
        self.search_url = str(settings.params.get("search_url") or "").rstrip("/")
        if not self.search_url:
            raise ValueError("A search_chat contender needs params.search_url.")
        self.num_results = int(settings.params.get("num_results", 5))
        chat_params = {k: v for k, v in settings.params.items() if k not in _OWN_PARAMS}
        self.chat = OpenAIChatProvider(replace(settings, kind="openai_chat", params=chat_params))

    async def _search(self, query: str) -> list[SearchHit]:
        try:
            async with httpx.AsyncClient(timeout=client_timeout(self.settings)) as client:
                response = await client.get(f"{self.search_url}/search",
                                            params={"q": query, "format": "json"})
        except httpx.HTTPError as exc:
            raise ProviderError("The search backend could not be reached.") from exc
        if response.status_code != 200:
            raise ProviderError(f"The search backend answered HTTP {response.status_code}.")
        try:
            results = response.json()["results"]
            return [
                SearchHit(url=str(r["url"]), title=str(r.get("title") or r["url"]),
                          snippet=str(r.get("content") or ""))
                for r in results[: self.num_results]
                if isinstance(r, dict) and str(r.get("url", "")).startswith(("http://", "https://"))
            ]
        except (ValueError, KeyError, TypeError):
            raise ProviderError("The search backend sent a malformed answer.") from None

    async def stream_search_chat(
        self, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[SearchEvent]:
        query = next((m.content for m in reversed(messages) if m.role == "user"), "")
        yield SearchQuery(query)
        started = time.monotonic()
        hits = await self._search(query)
        yield SearchResults(query, tuple(hits), int((time.monotonic() - started) * 1000))
        numbered = "\n\n".join(f"[{n}] {h.title} ({h.url})\n{h.snippet}"
                               for n, h in enumerate(hits, start=1))
        system = ChatMessage(role="system", content=f"{INSTRUCTIONS}\n\n{numbered}")
        usage: Usage | None = None
        async with aclosing(self.chat.stream_chat([system, *messages])) as events:  # type: ignore[type-var]
            async for event in events:
                if isinstance(event, TextDelta):
                    yield event
                elif isinstance(event, Usage):
                    usage = event
        yield SourcesCited(tuple(hits))
        yield usage or Usage(None, None)
