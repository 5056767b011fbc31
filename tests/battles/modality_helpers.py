"""Shared by the image, search and music arena tests: a WebSocket to the real ASGI app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator
from arena.asgi import application


def communicator_for(annotator: Annotator) -> WebsocketCommunicator:
    cookie = f"arena_annotator={annotator_cookie_value(annotator.id)}"
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"),
               (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, "/ws/battle/", headers=headers)


async def until(communicator: WebsocketCommunicator, kind: str) -> list[dict[str, Any]]:
    """Every message up to and including the first of `kind` (or the first error)."""
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=20)
        seen.append(message)
        if message["type"] in (kind, "error"):
            return seen


async def play(annotator: Annotator, start: dict[str, Any]) -> list[dict[str, Any]]:
    communicator = communicator_for(annotator)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "start", **start})
    messages = await until(communicator, "turn_done")
    await communicator.disconnect()
    return messages


async def db(function: Any) -> Any:
    return await database_sync_to_async(function)()


@pytest.fixture(autouse=True)
def private_media_root(settings: Any, tmp_path: Path) -> None:
    """Generated media go to a throw-away folder, not the developer's MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
