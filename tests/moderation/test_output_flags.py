"""Output filters run after a real streamed turn and flag (not block) what they find."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from arena.asgi import application
from battles.models import Battle, BattleState
from moderation.models import Flag
from tests.factories import annotator_create, arena_create, contender_openai
from tests.fakes.openai_server import FakeOpenAIServer
from tests.moderation.helpers import ws_headers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]


async def test_an_answer_with_a_blocked_word_is_flagged_after_the_turn(
    fake_openai: FakeOpenAIServer,
) -> None:
    def setup() -> tuple[Any, Any]:
        arena = arena_create(settings={"filters": [
            {"kind": "blocklist", "words": ["zebra"], "applies_to": ["output"]},
        ]})
        for _ in range(2):
            contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
        return arena, annotator_create()

    arena, alice = await database_sync_to_async(setup)()
    communicator = WebsocketCommunicator(application, "/ws/battle/", headers=ws_headers(alice))
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": arena.slug,
                                     "prompt": "Tell me about the zebra"})
    while (message := await communicator.receive_json_from(timeout=20))["type"] != "turn_done":
        pass
    await communicator.disconnect()
    assert message["can_vote"] is True

    def flags() -> list[tuple[str, str, str | None]]:
        return [(f.kind, f.reason, f.generation.side if f.generation else None)
                for f in Flag.objects.order_by("generation__side")]

    assert await database_sync_to_async(flags)() == [
        ("output", "blocklist", "a"), ("output", "blocklist", "b")
    ]
    battle = await database_sync_to_async(Battle.objects.get)()
    assert battle.state == BattleState.READY
