"""A page that vanishes mid-stream, over a real server and a real socket: both sides are recorded
as interrupted, nothing counts against the contenders' health, and nothing is logged as a crash."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import websockets

from annotators.cookies import annotator_cookie_value
from battles.models import Battle, BattleState, Generation
from ops.provider_health import outcomes_recent
from tests.e2e.conftest import ArenaServer
from tests.factories import annotator_create, arena_create, contender_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

BATTLES = 8


async def _start_then_vanish(server: ArenaServer, cookie: str, arena: str) -> str:
    """Start a battle, read until both sides stream, then close the socket as a reloaded or
    closed tab does. Returns the battle id."""
    url = server.url.replace("http://", "ws://") + "/ws/battle/"
    socket = await websockets.connect(url, origin=server.url,  # type: ignore[arg-type]
                                      additional_headers={"Cookie": f"arena_annotator={cookie}"})
    await socket.send(json.dumps({"type": "start", "arena": arena, "prompt": "Tell me of tides."}))
    battle_id, streaming = "", set[str]()
    while streaming != {"a", "b"}:
        message = json.loads(await socket.recv())
        battle_id = str(message.get("battle_id") or battle_id)
        if message["type"] == "chunk":
            streaming.add(str(message["side"]))
    await socket.close()
    return battle_id


def test_a_page_closed_mid_stream_interrupts_both_sides_and_blames_no_provider(
    arena_server: ArenaServer,
) -> None:
    annotator = annotator_create()
    arena = arena_create()
    # Chunks every millisecond on both sides: the close lands between sends, or during one.
    contenders = [
        contender_create(arena=arena, params={"style": "expert", "token_delay": 0.001}),
        contender_create(arena=arena, params={"style": "expert", "token_delay": 0.001}),
    ]
    logged_before = arena_server.log.stat().st_size
    cookie = annotator_cookie_value(annotator.id)

    battle_ids = [asyncio.run(_start_then_vanish(arena_server, cookie, arena.slug))
                  for _ in range(BATTLES)]

    deadline = time.monotonic() + 10
    while Battle.objects.filter(id__in=battle_ids, state=BattleState.STREAMING).exists():
        assert time.monotonic() < deadline, "the server never noticed the page was gone"
        time.sleep(0.05)
    states = set(Battle.objects.filter(id__in=battle_ids).values_list("state", flat=True))
    assert states == {BattleState.FAILED}
    errors = set(
        Generation.objects.filter(turn__battle_id__in=battle_ids).values_list("error", flat=True)
    )
    assert errors == {"Interrupted: the page was closed."}
    for contender in contenders:
        assert not any(outcomes_recent(contender.id)), contender.slug
    with arena_server.log.open("rb") as log:
        log.seek(logged_before)
        assert b"crashed" not in log.read()
