"""Text-to-3D and image-to-3D over HTTP, for services that work by job (3D takes minutes).

    POST {endpoint}/jobs        {"model", "prompt", "image" (base64, optional), "format": "glb",
                                 …params}                       → {"id": …}
    GET  {endpoint}/jobs/{id}   → {"status": "queued" | "running" | "succeeded" | "failed",
                                   "progress": 0…1, "error": "…", "result_url": "…"}
    GET  result_url             → the asset's bytes

Polling starts at `poll_interval` seconds and backs off by half again each time up to
`poll_max_interval`; the whole job is bounded by `total_timeout`. A poll answered 429/502/503/504
is retried (up to three in a row): losing a minutes-long job to one proxy hiccup would waste it.
The bearer key is sent to the result URL only when it is on the endpoint's own host (pre-signed
storage URLs must not get it).
The service's own error text is never shown: it may name the model. `params`: "poll_interval"
(default 1), "poll_max_interval" (default 5), "max_bytes" (default 100 MB), anything else is
passed through in the job request.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from .base import ProviderError, ProviderSettings
from .http_errors import auth_headers, bytes_limited, client_timeout, http_error_for, status_error
from .media_base import MediaEvent, MediaResult, Progress
from .threed_base import GLB_CONTENT_TYPE

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
_RESERVED = ("model", "prompt", "image", "format", "poll_interval", "poll_max_interval",
             "max_bytes")
MALFORMED = "The model's server sent a malformed 3D job response."
JOB_FAILED = "The model's 3D job failed."
_STATUSES = ("queued", "running", "succeeded", "failed")
_TRANSIENT = (429, 502, 503, 504)
MAX_POLL_HICCUPS = 3  # consecutive transient answers while polling before the side fails


class HttpThreeDProvider:
    def __init__(self, settings: ProviderSettings):
        self.settings = settings
        params = settings.params
        self.poll_interval = float(params.get("poll_interval", 1.0))
        self.poll_max_interval = float(params.get("poll_max_interval", 5.0))
        self.max_bytes = int(params.get("max_bytes", DEFAULT_MAX_BYTES))
        self.base_url = settings.endpoint.rstrip("/")

    async def generate_3d(self, prompt: str, *, image: bytes | None) -> AsyncIterator[MediaEvent]:
        settings = self.settings
        yield Progress(0.0, "queued")
        try:
            async with asyncio.timeout(settings.total_timeout), httpx.AsyncClient(
                timeout=client_timeout(settings), headers=auth_headers(settings)
            ) as client:
                job_id = await self._job_create(client, prompt, image)
                result_url = ""
                async for event in self._job_wait(client, job_id):
                    if isinstance(event, str):
                        result_url = event
                    else:
                        yield event
                yield Progress(0.95, "downloading")
                data = await self._download(client, result_url)
        except ProviderError:
            raise
        except (httpx.HTTPError, httpx.InvalidURL, TimeoutError) as exc:
            raise http_error_for(exc, settings) from exc
        yield MediaResult(data, GLB_CONTENT_TYPE)

    async def _job_create(self, client: httpx.AsyncClient, prompt: str,
                          image: bytes | None) -> str:
        body: dict[str, Any] = {k: v for k, v in self.settings.params.items()
                                if k not in _RESERVED and v is not None}
        body.update(model=self.settings.model_id, prompt=prompt, format="glb")
        if image is not None:
            body["image"] = base64.b64encode(image).decode()
        response = await client.post(f"{self.base_url}/jobs", json=body)
        if response.status_code not in (200, 201, 202):
            raise status_error(response.status_code)
        job_id = _json_object(response).get("id")
        if not isinstance(job_id, str | int) or isinstance(job_id, bool) or job_id == "":
            raise ProviderError(MALFORMED)
        return str(job_id)

    async def _job_wait(self, client: httpx.AsyncClient, job_id: str
                        ) -> AsyncIterator[Progress | str]:
        """Progress while the job runs, then its result URL (a str) once it has succeeded."""
        url = f"{self.base_url}/jobs/{quote(job_id, safe='')}"
        delay = self.poll_interval
        last: tuple[str, float] | None = None
        hiccups = 0
        while True:
            response = await client.get(url)
            if response.status_code in _TRANSIENT and hiccups < MAX_POLL_HICCUPS:
                hiccups += 1  # a proxy or a busy service; the job itself goes on
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, self.poll_max_interval)
                continue
            if response.status_code != 200:
                raise status_error(response.status_code)
            hiccups = 0
            job = _json_object(response)
            status = job.get("status")
            if status not in _STATUSES:
                raise ProviderError(MALFORMED)
            if status == "failed":
                raise ProviderError(JOB_FAILED)
            if status == "succeeded":
                result_url = job.get("result_url")
                if not isinstance(result_url, str) or not result_url:
                    raise ProviderError(MALFORMED)
                yield urljoin(self.base_url + "/", result_url)
                return
            progress = _fraction(job.get("progress"))
            if (status, progress) != last:
                last = (status, progress)
                yield Progress(0.05 + 0.85 * progress, str(status))
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, self.poll_max_interval)

    async def _download(self, client: httpx.AsyncClient, url: str) -> bytes:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ProviderError(MALFORMED)
        same_host = urlsplit(url).netloc == urlsplit(self.base_url).netloc
        request = client.build_request("GET", url)
        if not same_host:
            request.headers.pop("Authorization", None)
        response = await client.send(request, stream=True)
        try:
            if response.status_code != 200:
                raise ProviderError(
                    f"Fetching the model's 3D file failed (HTTP {response.status_code})."
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise ProviderError("The model's file was larger than this arena accepts.")
            return await bytes_limited(response, self.max_bytes)
        finally:
            await response.aclose()


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        raise ProviderError(MALFORMED) from None
    if not isinstance(payload, dict):
        raise ProviderError(MALFORMED)
    return payload


def _fraction(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return 0.0
