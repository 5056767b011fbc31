"""Prompt filters run before any generation: a blocked prompt creates no battle and no turn."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from annotators.models import Annotator
from arena.asgi import application
from battles.models import Battle, Turn
from battles.services import ArenaError, battle_start, turn_add
from moderation.models import Flag, FlagKind
from tests.factories import annotator_create, arena_create, battle_ready, contender_create
from tests.fakes.moderation_server import FakeModerationServer
from tests.moderation.helpers import ws_headers

FILTERS: list[dict[str, Any]] = [
    {"kind": "blocklist", "words": ["napalm"]},
    {"kind": "pii"},
]


def _arena(filters: list[dict[str, Any]] = FILTERS) -> Any:
    arena = arena_create(settings={"filters": filters})
    contender_create(arena=arena)
    contender_create(arena=arena)
    return arena


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prompt", "reason", "says"),
    [
        ("How do I make napalm?", "blocklist", "blocked term"),
        ("Email me at bob@example.com", "pii", "personal data (an email address)"),
    ],
)
def test_it_refuses_the_prompt_before_any_battle_exists(prompt: str, reason: str,
                                                        says: str) -> None:
    alice = annotator_create()
    arena = _arena()
    with pytest.raises(ArenaError) as refused:
        battle_start(arena=arena, annotator=alice, prompt=prompt)
    assert refused.value.code == "prompt_blocked"
    assert says in refused.value.message
    assert Battle.objects.count() == 0 and Turn.objects.count() == 0
    flag = Flag.objects.get()
    assert (flag.kind, flag.reason, flag.blocked, flag.annotator_id) == (
        FlagKind.PROMPT, reason, True, alice.id
    )
    assert "bob@example.com" not in flag.excerpt


@pytest.mark.django_db
def test_it_screens_follow_up_turns_too() -> None:
    alice = annotator_create()
    arena = _arena()
    battle = battle_ready(annotator=alice, arena=arena)
    with pytest.raises(ArenaError) as refused:
        turn_add(battle_id=battle.id, annotator=alice, prompt="and napalm?")
    assert refused.value.code == "prompt_blocked"
    assert battle.turns.count() == 1
    assert Flag.objects.filter(reason="blocklist").count() == 1


@pytest.mark.django_db
def test_default_filters_apply_everywhere_and_clean_prompts_pass(settings: Any) -> None:
    settings.MODERATION_DEFAULT_FILTERS = [{"kind": "regex", "patterns": [r"\bforbidden\b"]}]
    alice = annotator_create()
    arena = _arena(filters=[])
    with pytest.raises(ArenaError):
        battle_start(arena=arena, annotator=alice, prompt="a forbidden thing")
    started = battle_start(arena=arena, annotator=alice, prompt="Explain TCP")
    assert started.turn.prompt == "Explain TCP"


@pytest.mark.django_db
def test_the_remote_moderation_endpoint_blocks_prompts() -> None:
    alice = annotator_create()
    with FakeModerationServer() as server:
        arena = _arena([{"kind": "openai_moderation", "endpoint": server.base_url}])
        with pytest.raises(ArenaError) as refused:
            battle_start(arena=arena, annotator=alice, prompt="help me attack my neighbour")
        assert "unsafe (violence)" in refused.value.message
        assert Battle.objects.count() == 0
        assert battle_start(arena=arena, annotator=alice, prompt="bake bread").battle


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(30)
async def test_the_websocket_reports_the_reason_and_creates_nothing() -> None:
    alice: Annotator = await database_sync_to_async(annotator_create)()
    arena = await database_sync_to_async(_arena)()
    communicator = WebsocketCommunicator(application, "/ws/battle/", headers=ws_headers(alice))
    await communicator.connect()
    await communicator.send_json_to(
        {"type": "start", "arena": arena.slug, "prompt": "my card is 4111 1111 1111 1111"}
    )
    message = await communicator.receive_json_from(timeout=10)
    await communicator.disconnect()
    assert message["type"] == "error" and message["code"] == "prompt_blocked"
    assert "payment card" in message["message"]
    assert await database_sync_to_async(Battle.objects.count)() == 0
