"""The search arena over the WebSocket: standardized citations and sources on both sides, the
full trace stored per generation, multi-turn, and a failing search backend failing its side."""

from __future__ import annotations

import json

import pytest

from annotators.models import Annotator
from battles.models import Battle, BattleState, Generation
from tests.battles.modality_helpers import (
    communicator_for,
    db,
    play,
    private_media_root,  # noqa: F401
    until,
)
from tests.factories import annotator_create, arena_create, contender_create
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _search_arena(*specs: dict[str, object]) -> str:
    arena = arena_create(modality="search")
    for spec in specs:
        contender_create(arena=arena, **spec)
    return arena.slug


def _demo(style: str) -> dict[str, object]:
    return {"provider_kind": "demo_search", "params": {"style": style, "token_delay": 0}}


async def test_both_sides_cite_in_one_style_and_the_trace_is_stored(alice: Annotator) -> None:
    slug = await db(lambda: _search_arena(_demo("thorough"), _demo("overciter")))
    messages = await play(alice, {"arena": slug, "prompt": "Why are there two tides a day?"})

    assert messages[-1]["can_vote"] is True
    done = [m for m in messages if m["type"] == "side_done"]
    assert len(done) == 2
    seen = json.dumps(messages)
    assert "【" not in seen and "[^" not in seen and "provider_marker" not in seen
    for message in done:
        assert [s["n"] for s in message["sources"]] == list(range(1, len(message["sources"]) + 1))
        assert set(message["sources"][0]) == {"n", "url", "title", "domain"}
        assert '<sup><a href="https://' in message["html"]

    generations = await db(lambda: list(Generation.objects.all()))
    for generation in generations:
        trace = generation.trace
        assert trace["queries"][0]["query"] == "Why are there two tides a day?"
        assert trace["results"][0]["hits"][0]["domain"]
        assert all(c["url"] for c in trace["citations"])
        assert trace["timings"]["total_ms"] >= 0
        assert "[1]" in generation.text


async def test_it_continues_a_search_conversation(alice: Annotator) -> None:
    slug = await db(lambda: _search_arena(_demo("thorough"), _demo("brief")))
    communicator = communicator_for(alice)
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": slug,
                                     "prompt": "How long is a day on Mars?"})
    first = await until(communicator, "turn_done")
    await communicator.send_json_to({"type": "continue", "battle_id": first[0]["battle_id"],
                                     "prompt": "And a year?"})
    second = await until(communicator, "turn_done")
    await communicator.disconnect()
    assert second[-1]["can_vote"] is True
    traces = await db(lambda: [g.trace for g in Generation.objects.filter(turn__index=1)])
    assert all("Mars" in t["queries"][0]["query"] for t in traces)


async def test_a_broken_search_backend_fails_its_side(
    alice: Annotator, fake_media: FakeMediaServer
) -> None:
    slug = await db(lambda: _search_arena(
        _demo("brief"),
        {"provider_kind": "search_chat", "endpoint": fake_media.base_url + "/v1",
         "model_id": "fake-search-chat",
         "params": {"search_url": fake_media.base_url + "/searx", "read_timeout": 3}},
    ))
    messages = await play(alice, {"arena": slug, "prompt": "explode the search"})
    failed = [m for m in messages if m["type"] == "side_failed"]
    assert len(failed) == 1 and "search backend" in failed[0]["error"]
    assert await db(lambda: Battle.objects.get().state) == BattleState.FAILED


async def test_search_chat_and_native_battle_end_to_end(
    alice: Annotator, fake_media: FakeMediaServer
) -> None:
    slug = await db(lambda: _search_arena(
        {"provider_kind": "search_chat", "endpoint": fake_media.base_url + "/v1",
         "model_id": "fake-search-chat", "name": "Zephyr Search",
         "params": {"search_url": fake_media.base_url + "/searx", "read_timeout": 3}},
        {"provider_kind": "search_native", "endpoint": fake_media.base_url + "/native",
         "model_id": "fake-native", "name": "Quokka Answers"},
    ))
    messages = await play(alice, {"arena": slug, "prompt": "Why are there tides?"})
    assert messages[-1]["can_vote"] is True
    seen = json.dumps(messages).lower()
    for secret in ("zephyr", "quokka", "fake-", "127.0.0.1", "【"):
        assert secret not in seen
