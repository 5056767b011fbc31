"""Turn httpx failures and bad statuses into `ProviderError`s that reveal nothing.

Shared by the image, music and search providers; the text provider keeps its own richer mapping.
"""

from __future__ import annotations

import httpx

from .base import ProviderError, ProviderSettings, seconds


def http_error_for(exc: BaseException, settings: ProviderSettings) -> ProviderError:
    if isinstance(exc, httpx.ConnectTimeout):
        return ProviderError(
            f"The model's server did not accept the connection within "
            f"{seconds(settings.connect_timeout)}."
        )
    if isinstance(exc, httpx.ReadTimeout):
        return ProviderError(
            f"The model stopped answering (read timeout after {seconds(settings.read_timeout)})."
        )
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return ProviderError(f"The model took longer than {seconds(settings.total_timeout)}.")
    if isinstance(exc, httpx.ConnectError):
        return ProviderError("The model's server could not be reached.")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return ProviderError("The model's address is misconfigured.")
    return ProviderError("The connection to the model's server failed.")


def status_error(status: int) -> ProviderError:
    return ProviderError(f"The model's server answered HTTP {status}.")


def client_timeout(settings: ProviderSettings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.connect_timeout, read=settings.read_timeout,
        write=settings.read_timeout, pool=settings.connect_timeout,
    )


def auth_headers(settings: ProviderSettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}


async def bytes_limited(response: httpx.Response, limit: int) -> bytes:
    """The body, or ProviderError if it is larger than `limit` (servers can lie in headers)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise ProviderError("The model's file was larger than this arena accepts.")
        chunks.append(chunk)
    return b"".join(chunks)
