"""Refuse oversized HTTP request bodies at the ASGI edge, before Django reads them.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when a view touches ``request.body`` or the
POST data; its ASGI handler has by then received the whole body and spooled it (to a temporary
file beyond FILE_UPLOAD_MAX_MEMORY_SIZE). A client could make every web process write
gigabytes to disk. This wrapper answers 413 as soon as a declared ``Content-Length`` or the
bytes actually received pass ``HTTP_MAX_BODY_BYTES``; Django's own, smaller limit still gives
its answer to anything between the two.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # Django's handler types its messages as Mapping

REFUSAL = b'{"code": "body_too_large", "message": "The request body is too large."}'


class BodyTooLarge(Exception):
    """Raised from ``receive`` once the body passes the limit."""


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    """ASGI middleware: HTTP bodies over ``limit`` bytes get 413 and never reach ``app``."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.limit:
            await self.refuse(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await self.refuse(send)

    async def refuse(self, send: Send) -> None:
        await send({
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(REFUSAL)).encode()),
                (b"connection", b"close"),
            ],
        })
        await send({"type": "http.response.body", "body": REFUSAL})
