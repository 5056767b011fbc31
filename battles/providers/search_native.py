"""Services that search and cite natively (Perplexity-style `POST {endpoint}/chat/completions`).

The answer's `citations` (URLs, in marker order) and `search_results` (title, url, snippet) give
the sources; markers may come in the service's own style, which `battles.citations` standardizes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from .base import ChatMessage, ProviderError, ProviderSettings, TextDelta, Usage
from .demo import answer_chunks
from .http_errors import auth_headers, client_timeout, http_error_for, status_error
from .media_base import SearchEvent, SearchHit, SourcesCited

MALFORMED = "The model's server sent a malformed answer."


class NativeSearchProvider:
    def __init__(self, settings: ProviderSettings):
        self.settings = settings

    async def stream_search_chat(
        self, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[SearchEvent]:
        settings = self.settings
        body: dict[str, Any] = {k: v for k, v in settings.params.items() if v is not None}
        system = [{"role": "system", "content": settings.system_prompt}] if settings.system_prompt else []
        body.update(model=settings.model_id, stream=False,
                    messages=system + [{"role": m.role, "content": m.content} for m in messages])
        try:
            async with asyncio.timeout(settings.total_timeout), httpx.AsyncClient(
                timeout=client_timeout(settings)
            ) as client:
                response = await client.post(settings.endpoint.rstrip("/") + "/chat/completions",
                                             json=body, headers=auth_headers(settings))
        except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
            raise http_error_for(exc, settings) from exc
        if response.status_code != 200:
            raise status_error(response.status_code)
        try:
            payload = response.json()
            text = str(payload["choices"][0]["message"]["content"])
            details = {str(r.get("url")): r for r in payload.get("search_results") or []
                       if isinstance(r, dict)}
            urls = [str(u) for u in payload.get("citations") or list(details)]
            usage = payload.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise ProviderError(MALFORMED) from None
        sources = tuple(
            SearchHit(url=url, title=str(details.get(url, {}).get("title") or url),
                      snippet=str(details.get(url, {}).get("snippet") or ""))
            for url in urls
        )
        for chunk in answer_chunks(text):
            yield TextDelta(chunk)
        yield SourcesCited(sources)
        yield Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
