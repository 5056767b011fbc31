"""Drive the battle WebSocket through the real ASGI application (shared by the ops tests)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator
from arena.asgi import application


def communicator_for(annotator: Annotator | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if annotator is not None:
        cookie = f"arena_annotator={annotator_cookie_value(annotator.id)}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/battle/", headers=headers)


async def messages_until(
    communicator: WebsocketCommunicator, kind: str, timeout: float = 20
) -> list[dict[str, Any]]:
    """Every message up to and including the first of `kind` (or the first error)."""
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        seen.append(message)
        if message["type"] in {kind, "error"}:
            return seen


async def db(function: Any) -> Any:
    return await database_sync_to_async(function)()


async def battle_run(annotator: Annotator, start: dict[str, Any]) -> list[dict[str, Any]]:
    """One battle from `start` to `turn_done` on a fresh connection."""
    communicator = communicator_for(annotator)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "start", **start})
    messages = await messages_until(communicator, "turn_done")
    await communicator.disconnect()
    return messages
