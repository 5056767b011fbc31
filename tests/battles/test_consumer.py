"""The battle WebSocket, driven through the real ASGI application and Redis channel layer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator
from arena.asgi import application
from battles.models import Battle, BattleState, Generation, GenerationStatus, Turn
from tests.factories import annotator_create, arena_create, contender_create, contender_openai
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def _communicator(annotator: Annotator | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if annotator is not None:
        cookie = f"arena_annotator={annotator_cookie_value(annotator.id)}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/battle/", headers=headers)


async def _until(communicator: WebsocketCommunicator, kind: str) -> list[dict[str, Any]]:
    """Every message up to and including the first of `kind`."""
    seen = []
    while True:
        message = await communicator.receive_json_from(timeout=20)
        seen.append(message)
        if message["type"] == kind:
            return seen


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


async def test_it_streams_both_sides_then_opens_the_vote(alice: Annotator) -> None:
    arena = await _db(lambda: _arena_with_demos())
    communicator = _communicator(alice)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "start", "arena": arena, "prompt": "Explain TCP"})
    messages = await _until(communicator, "turn_done")
    await communicator.disconnect()

    assert messages[0]["type"] == "battle_started"
    chunks = [m for m in messages if m["type"] == "chunk"]
    assert {m["side"] for m in chunks} == {"a", "b"}
    assert {m["side"] for m in messages if m["type"] == "side_done"} == {"a", "b"}
    assert messages[-1]["can_vote"] is True
    battle = await _db(lambda: Battle.objects.get(id=messages[0]["battle_id"]))
    assert battle.state == BattleState.READY
    texts = await _db(lambda: {g.side: g.text for g in Generation.objects.filter(turn__battle=battle)})
    assert texts["a"] == "".join(m["delta"] for m in chunks if m["side"] == "a")
    assert texts["b"] == "".join(m["delta"] for m in chunks if m["side"] == "b")


async def test_it_continues_the_conversation_with_the_same_pair(alice: Annotator) -> None:
    arena = await _db(lambda: _arena_with_demos())
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": arena, "prompt": "Name a fruit"})
    first = await _until(communicator, "turn_done")
    battle_id = first[0]["battle_id"]
    await communicator.send_json_to({"type": "continue", "battle_id": battle_id,
                                     "prompt": "And a vegetable?"})
    second = await _until(communicator, "turn_done")
    await communicator.disconnect()
    assert second[0] == {"type": "turn_started", "battle_id": battle_id, "turn": 1}
    assert second[-1]["can_vote"] is True
    assert await _db(lambda: Turn.objects.filter(battle_id=battle_id).count()) == 2


async def test_it_fails_only_the_broken_side(alice: Annotator, fake_openai: FakeOpenAIServer) -> None:
    def setup() -> str:
        arena = arena_create()
        contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
        contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-error-500")
        return arena.slug

    slug = await _db(setup)
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "Hello there"})
    messages = await _until(communicator, "turn_done")
    await communicator.disconnect()

    failed = [m for m in messages if m["type"] == "side_failed"]
    done = [m for m in messages if m["type"] == "side_done"]
    assert len(failed) == 1 and len(done) == 1
    assert "HTTP 500" in failed[0]["error"]
    assert "fake-error-500" not in json.dumps(messages)
    assert fake_openai.base_url not in json.dumps(messages)
    assert messages[-1]["can_vote"] is False
    battle = await _db(lambda: Battle.objects.get(id=messages[0]["battle_id"]))
    assert battle.state == BattleState.FAILED


async def test_it_times_out_a_hanging_provider_within_its_read_timeout(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    def setup() -> str:
        arena = arena_create()
        contender_create(arena=arena)
        contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-hang")
        return arena.slug

    slug = await _db(setup)
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "Anyone there?"})
    messages = await _until(communicator, "turn_done")
    await communicator.disconnect()
    failed = [m for m in messages if m["type"] == "side_failed"]
    assert len(failed) == 1
    assert "timeout" in failed[0]["error"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"type": "explode"}', "unknown_type"),
        ('{"type": "start", "arena": "nope", "prompt": "hi"}', "arena_unknown"),
        ('{"type": "continue", "battle_id": "not-a-uuid", "prompt": "hi"}', "not_found"),
    ],
)
async def test_it_answers_bad_messages_with_a_clear_error(
    alice: Annotator, raw: str, code: str
) -> None:
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_to(text_data=raw)
    message = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    assert message["type"] == "error"
    assert message["code"] == code
    assert message["message"]
    assert await _db(lambda: Battle.objects.count()) == 0


@pytest.mark.parametrize(
    ("prompt", "code"),
    [("", "prompt_empty"), ("   ", "prompt_empty"), ("x" * 5000, "prompt_too_long"),
     (42, "prompt_invalid")],
)
async def test_it_refuses_bad_prompts_and_creates_nothing(
    alice: Annotator, prompt: object, code: str
) -> None:
    arena = await _db(lambda: _arena_with_demos())
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": arena, "prompt": prompt})
    message = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    assert (message["type"], message["code"]) == ("error", code)
    assert await _db(lambda: Battle.objects.count()) == 0


async def test_it_refuses_oversized_frames(alice: Annotator) -> None:
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_to(text_data=json.dumps({"type": "start", "prompt": "x" * 70_000}))
    message = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    assert message["code"] == "too_large"


async def test_it_asks_for_consent_without_a_cookie() -> None:
    arena = await _db(lambda: _arena_with_demos())
    communicator = _communicator(None)
    await communicator.connect()
    greeting = await communicator.receive_json_from(timeout=5)
    await communicator.send_json_to({"type": "start", "arena": arena, "prompt": "hi"})
    refusal = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    assert greeting["code"] == refusal["code"] == "consent_required"
    assert await _db(lambda: Battle.objects.count()) == 0


async def test_it_refuses_to_continue_someone_elses_battle(alice: Annotator) -> None:
    arena = await _db(lambda: _arena_with_demos())
    owner = _communicator(alice)
    await owner.connect()
    await owner.send_json_to({"type": "start", "arena": arena, "prompt": "Mine"})
    battle_id = (await _until(owner, "turn_done"))[0]["battle_id"]
    await owner.disconnect()

    mallory = await _db(annotator_create)
    intruder = _communicator(mallory)
    await intruder.connect()
    await intruder.send_json_to({"type": "continue", "battle_id": battle_id, "prompt": "Hijack"})
    message = await intruder.receive_json_from(timeout=5)
    await intruder.disconnect()
    assert message["code"] == "forbidden"
    assert await _db(lambda: Turn.objects.filter(battle_id=battle_id).count()) == 1


async def test_it_marks_sides_interrupted_when_the_page_closes(alice: Annotator) -> None:
    def setup() -> str:
        arena = arena_create()
        for _ in range(2):
            contender_create(arena=arena, params={"style": "verbose", "token_delay": 0.05})
        return arena.slug

    slug = await _db(setup)
    communicator = _communicator(alice)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "Long story"})
    await _until(communicator, "chunk")
    await communicator.disconnect()
    statuses = await _db(lambda: set(Generation.objects.values_list("status", flat=True)))
    assert statuses == {GenerationStatus.FAILED}
    assert await _db(lambda: Battle.objects.get().state) == BattleState.FAILED



@pytest.mark.parametrize("message", [
    {"type": "start", "arena": "ARENA\x00", "prompt": "Explain TCP"},
    {"type": "start", "arena": "ARENA", "prompt": "Explain\x00 TCP"},
    {"type": "start", "arena": "ARENA", "prompt": "Explain \ud800"},
    {"type": "start", "arena": "\udfff", "prompt": "Explain TCP"},
    {"type": "start", "arena": "ARENA", "prompt": "Explain", "mode": ["side\x00"]},
    {"type": "continue", "battle_id": "\x00", "prompt": "More"},
])
async def test_it_refuses_bad_text_with_an_error_frame_and_starts_nothing(
    alice: Annotator, message: dict[str, Any]
) -> None:
    slug = await _db(lambda: _arena_with_demos())
    communicator = _communicator(alice)
    await communicator.connect()
    bad = {key: value.replace("ARENA", slug) if isinstance(value, str) else value
           for key, value in message.items()}
    await communicator.send_json_to(bad)
    refusal = await communicator.receive_json_from(timeout=10)
    assert refusal["type"] == "error" and refusal["code"] == "bad_input", refusal
    assert not await _db(lambda: Battle.objects.exists())
    # The socket stays usable: the next, clean prompt starts a battle.
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "Explain TCP"})
    assert (await _until(communicator, "turn_done"))[0]["type"] == "battle_started"
    await communicator.disconnect()


async def test_it_refuses_a_raw_lone_surrogate_in_a_text_frame(alice: Annotator) -> None:
    communicator = _communicator(alice)
    await communicator.connect()
    # A raw surrogate, not the JSON escape: in-process it arrives as is, and cannot be encoded.
    await communicator.send_to(text_data='{"type": "start", "arena": "x", "prompt": "\ud800"}')
    refusal = await communicator.receive_json_from(timeout=10)
    assert refusal["code"] == "bad_input", refusal
    await communicator.disconnect()

def _arena_with_demos() -> str:
    arena = arena_create()
    contender_create(arena=arena, params={"style": "expert", "token_delay": 0})
    contender_create(arena=arena, params={"style": "sloppy", "token_delay": 0})
    return arena.slug


async def _db(function: Any) -> Any:
    from channels.db import database_sync_to_async

    return await database_sync_to_async(function)()
