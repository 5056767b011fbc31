"""The web server's own limits, over real sockets: what the ASGI app never sees."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from django.conf import settings

from tests.e2e.conftest import ArenaServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

SERVER_WS_MAX_BYTES = 1 << 20  # arena/launcher/web.py's default WEB_WS_MAX_BYTES


async def _exchange(server: ArenaServer, frame: str) -> tuple[list[dict[str, object]], int | None]:
    """Send one text frame; the messages read until the socket goes quiet or closes, and the
    close code if it closed."""
    url = server.url.replace("http://", "ws://") + "/ws/battle/"
    messages: list[dict[str, object]] = []
    async with websockets.connect(url, origin=server.url, max_size=None) as socket:  # type: ignore[arg-type]
        messages.append(json.loads(await socket.recv()))  # consent_required: no cookie
        await socket.send(frame)
        try:
            while True:
                messages.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=2)))
        except TimeoutError:
            return messages, None
        except websockets.ConnectionClosed as closed:
            return messages, closed.rcvd.code if closed.rcvd else None


def test_a_frame_over_the_app_limit_gets_the_apps_answer(arena_server: ArenaServer) -> None:
    frame = json.dumps({"type": "start", "prompt": "x" * (settings.ARENA_MAX_WS_MESSAGE_BYTES + 1)})
    messages, closed = asyncio.run(_exchange(arena_server, frame))
    assert closed is None
    assert messages[-1]["code"] == "too_large"


def test_a_frame_over_the_server_limit_closes_the_socket_unread(arena_server: ArenaServer) -> None:
    frame = json.dumps({"type": "start", "prompt": "x" * SERVER_WS_MAX_BYTES})
    messages, closed = asyncio.run(_exchange(arena_server, frame))
    assert closed == 1009  # "message too big", from the server before the app reads anything
    assert [m.get("code") for m in messages] == ["consent_required"]


def test_a_body_over_the_edge_limit_gets_413(arena_server: ArenaServer) -> None:
    import httpx

    size = settings.HTTP_MAX_BODY_BYTES + 1
    response = httpx.post(f"{arena_server.url}/api/battles/00000000-0000-0000-0000-000000000000/vote",
                          content=b" " * size, headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
