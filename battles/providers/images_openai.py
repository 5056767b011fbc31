"""Text-to-image through an OpenAI-compatible images API (`POST {endpoint}/images/generations`).

Answers carry either `b64_json` or a `url` to fetch. The bytes are returned untouched: decoding,
re-encoding and metadata stripping happen in `battles.media`, for every provider alike.
`params`: "response_format" ("b64_json" default, or "url"), "quality", "style", … passed through;
"max_bytes" (default 20 MB).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .base import ProviderError, ProviderSettings
from .http_errors import auth_headers, bytes_limited, client_timeout, http_error_for, status_error
from .media_base import MediaEvent, MediaResult, Progress

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_RESERVED = ("model", "prompt", "n", "size", "max_bytes")
MALFORMED = "The model's server sent a malformed image response."


class OpenAIImagesProvider:
    def __init__(self, settings: ProviderSettings):
        self.settings = settings
        self.max_bytes = int(settings.params.get("max_bytes", DEFAULT_MAX_BYTES))

    async def generate_image(
        self, prompt: str, *, width: int, height: int
    ) -> AsyncIterator[MediaEvent]:
        settings = self.settings
        body: dict[str, Any] = {
            k: v for k, v in settings.params.items() if k not in _RESERVED and v is not None
        }
        body.setdefault("response_format", "b64_json")
        body.update(model=settings.model_id, prompt=prompt, n=1, size=f"{width}x{height}")
        url = settings.endpoint.rstrip("/") + "/images/generations"
        yield Progress(0.0, "queued")
        try:
            async with asyncio.timeout(settings.total_timeout), httpx.AsyncClient(
                timeout=client_timeout(settings)
            ) as client:
                response = await client.post(url, json=body, headers=auth_headers(settings))
                if response.status_code != 200:
                    raise status_error(response.status_code)
                yield Progress(0.8, "downloading")
                data = await _image_bytes(client, response, self.max_bytes)
        except ProviderError:
            raise
        except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
            raise http_error_for(exc, settings) from exc
        yield MediaResult(data)


async def _image_bytes(client: httpx.AsyncClient, response: httpx.Response, limit: int) -> bytes:
    try:
        item = response.json()["data"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        raise ProviderError(MALFORMED) from None
    if not isinstance(item, dict):
        raise ProviderError(MALFORMED)
    if isinstance(item.get("b64_json"), str):
        try:
            data = base64.b64decode(item["b64_json"], validate=True)
        except (binascii.Error, ValueError):
            raise ProviderError("The model's image was not valid base64.") from None
        if len(data) > limit:
            raise ProviderError("The model's file was larger than this arena accepts.")
        return data
    if isinstance(item.get("url"), str) and item["url"].startswith(("http://", "https://")):
        async with client.stream("GET", item["url"]) as download:
            if download.status_code != 200:
                raise ProviderError(f"Fetching the model's image failed (HTTP {download.status_code}).")
            return await bytes_limited(download, limit)
    raise ProviderError(MALFORMED)
