"""Shared by the image, search and music arena tests: a WebSocket to the real ASGI app."""

from __future__ import annotations

import asyncio
import time
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


async def start_then_close(annotator: Annotator, start: dict[str, Any], *, after: str) -> str:
    """Start a battle, read until the first `after` message, close the page; the battle id."""
    communicator = communicator_for(annotator)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", **start})
    battle_id = str((await until(communicator, after))[0]["battle_id"])
    await communicator.disconnect()
    return battle_id


async def settled_with_media(battle_id: str, timeout_s: float = 20) -> tuple[str, int]:
    """Wait until the battle stops streaming; its state and how many media files it kept."""
    from battles.models import Battle, BattleState, MediaAsset

    deadline = time.monotonic() + timeout_s
    while await db(lambda: Battle.objects.get(id=battle_id).state) == BattleState.STREAMING:
        assert time.monotonic() < deadline, "the battle never finished"
        await asyncio.sleep(0.1)
    return await db(lambda: (
        str(Battle.objects.get(id=battle_id).state),
        MediaAsset.objects.filter(generation__turn__battle_id=battle_id).count(),
    ))


@pytest.fixture(autouse=True)
def private_media_root(settings: Any, tmp_path: Path) -> None:
    """Generated media go to a throw-away folder, not the developer's MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
