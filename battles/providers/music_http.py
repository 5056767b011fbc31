"""Text-to-music over HTTP: `POST {endpoint}/generate` with a JSON request, audio back.

Request: {"model", "prompt", "duration_s", "instrumental", "lyrics", "write_lyrics", …params}.
Response: audio bytes (any `audio/*` type), or JSON with "audio_url" to fetch or "audio_b64".
The bytes are untrusted: `battles.media.audio_clean` decodes and re-encodes them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .base import ProviderError, ProviderSettings
from .http_errors import (
    auth_headers,
    bytes_limited,
    client_timeout,
    http_error_for,
    status_error,
)
from .media_base import MediaEvent, MediaResult, MusicRequest, Progress

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MALFORMED = "The model's server sent a malformed music response."


class HttpMusicProvider:
    def __init__(self, settings: ProviderSettings):
        self.settings = settings
        self.max_bytes = int(settings.params.get("max_bytes", DEFAULT_MAX_BYTES))

    async def generate_music(self, request: MusicRequest) -> AsyncIterator[MediaEvent]:
        settings = self.settings
        body: dict[str, Any] = {k: v for k, v in settings.params.items()
                                if k != "max_bytes" and v is not None}
        body.update(model=settings.model_id, prompt=request.prompt,
                    duration_s=request.duration_s, instrumental=request.instrumental,
                    lyrics=request.lyrics, write_lyrics=request.write_lyrics)
        yield Progress(0.0, "queued")
        try:
            async with asyncio.timeout(settings.total_timeout), httpx.AsyncClient(
                timeout=client_timeout(settings)
            ) as client:
                async with client.stream("POST", settings.endpoint.rstrip("/") + "/generate",
                                         json=body, headers=auth_headers(settings)) as response:
                    if response.status_code != 200:
                        raise status_error(response.status_code)
                    data = await bytes_limited(response, self.max_bytes)
                    content_type = response.headers.get("content-type", "")
                yield Progress(0.9, "downloading")
                if content_type.startswith("application/json"):
                    data = await self._from_json(client, data)
        except ProviderError:
            raise
        except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
            raise http_error_for(exc, settings) from exc
        yield MediaResult(data)

    async def _from_json(self, client: httpx.AsyncClient, raw: bytes) -> bytes:
        import json

        try:
            payload = json.loads(raw)
        except ValueError:
            raise ProviderError(MALFORMED) from None
        if not isinstance(payload, dict):
            raise ProviderError(MALFORMED)
        if isinstance(payload.get("audio_b64"), str):
            try:
                return base64.b64decode(payload["audio_b64"], validate=True)
            except (binascii.Error, ValueError):
                raise ProviderError(MALFORMED) from None
        url = payload.get("audio_url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            async with client.stream("GET", url) as download:
                if download.status_code != 200:
                    raise ProviderError(
                        f"Fetching the model's track failed (HTTP {download.status_code})."
                    )
                return await bytes_limited(download, self.max_bytes)
        raise ProviderError(MALFORMED)
