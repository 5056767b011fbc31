"""The music arena: router refusals, capability matchmaking, two cleaned tracks, listening
measured server-side, the vote gated on it, post-vote feedback, and clean failures."""

from __future__ import annotations

import json
import time

import pytest

from annotators.models import Annotator
from battles.models import Battle, BattleState, MediaAsset, Turn, VoteFeedback
from tests.battles.modality_helpers import (
    db,
    play,
    private_media_root,  # noqa: F401
)
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90),
              pytest.mark.usefixtures("sides_worker")]

FULL: dict[str, object] = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}
INSTRUMENTAL: dict[str, object] = {"vocals": False, "lyrics": False, "min_duration_s": 1,
                                   "max_duration_s": 30}


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _music_arena(*specs: dict[str, object], min_listen_s: float = 1.0) -> str:
    arena = arena_create(modality="music", max_turns=1,
                         settings={"min_listen_s": min_listen_s, "default_duration_s": 3})
    for spec in specs:
        contender_create(arena=arena, **spec)
    return arena.slug


def _demo(style: str, capabilities: dict[str, object] = FULL, **params: object) -> dict[str, object]:
    return {"provider_kind": "demo_music", "capabilities": capabilities,
            "params": {"style": style, "step_delay": 0, **params}}


def _vote(annotator: Annotator, battle_id: str, key: str = "vote-key-1") -> tuple[int, dict]:
    response = client_for(annotator).post(
        f"/api/battles/{battle_id}/vote", {"choice": "a", "idempotency_key": key},
        content_type="application/json")
    return response.status_code, response.json()


def _listen(annotator: Annotator, battle_id: str, events: list[dict]) -> tuple[int, dict]:
    response = client_for(annotator).post(
        f"/b/{battle_id}/listen", json.dumps({"events": events}), content_type="application/json")
    return response.status_code, response.json()


async def test_it_generates_two_tracks_and_gates_the_vote_on_listening(alice: Annotator) -> None:
    slug = await db(lambda: _music_arena(_demo("studio"), _demo("chiptune"), min_listen_s=1.5))
    messages = await play(alice, {"arena": slug, "prompt": "an upbeat jazz song with vocals"})
    assert messages[-1]["can_vote"] is True
    route = next(m for m in messages if m["type"] == "route")
    assert (route["instrumental"], route["write_lyrics"], route["duration_s"]) == (False, True, 3)
    done = {m["side"]: m["media"] for m in messages if m["type"] == "side_done"}
    assert {d["kind"] for d in done.values()} == {"audio"}
    battle_id = messages[0]["battle_id"]

    status, body = await db(lambda: _vote(alice, battle_id))
    assert (status, body["code"]) == (409, "listen_more")

    # Claiming 3 s of side A in one instant is capped by the server's clock.
    t0 = 1000.0
    status, body = await db(lambda: _listen(alice, battle_id, [
        {"side": "a", "kind": "play", "position": 0, "t": t0},
        {"side": "a", "kind": "tick", "position": 3, "t": t0 + 3000},
    ]))
    assert status == 200 and body["heard"]["a"] <= 0.6 and body["can_vote"] is False

    await db(lambda: _listen(alice, battle_id, [
        {"side": "b", "kind": "play", "position": 0, "t": t0 + 4000}]))
    time.sleep(1.6)
    status, body = await db(lambda: _listen(alice, battle_id, [
        {"side": "b", "kind": "pause", "position": 1.6, "t": t0 + 5600},
        {"side": "a", "kind": "play", "position": 0, "t": t0 + 5700}]))
    assert body["heard"]["b"] >= 1.5 and body["can_vote"] is False
    time.sleep(1.1)
    status, body = await db(lambda: _listen(alice, battle_id, [
        {"side": "a", "kind": "ended", "position": 1.1, "t": t0 + 6800}]))
    assert body["can_vote"] is True, body
    # A reloaded page reads the same listening state with the battle.
    detail = await db(lambda: client_for(alice).get(f"/api/battles/{battle_id}").json())
    assert detail["listening"] == body

    status, body = await db(lambda: _vote(alice, battle_id))
    assert status == 200 and body["reveal"]
    response = await db(lambda: client_for(alice).post(
        f"/b/{battle_id}/feedback", json.dumps({"text": "A had nicer drums"}),
        content_type="application/json"))
    assert response.status_code == 200
    assert await db(lambda: VoteFeedback.objects.get().text) == "A had nicer drums"


async def test_listening_reports_are_checked(alice: Annotator) -> None:
    slug = await db(lambda: _music_arena(_demo("simple"), _demo("detuned")))
    battle_id = (await play(alice, {"arena": slug, "prompt": "a calm piano tune"}))[0]["battle_id"]
    mallory = await db(annotator_create)
    for who, events, code in [
        (alice, [{"side": "c", "kind": "play", "position": 0, "t": 1}], "events_invalid"),
        (alice, [{"side": "a", "kind": "play", "position": -1, "t": 1}], "events_invalid"),
        (alice, [], "events_invalid"),
        (mallory, [{"side": "a", "kind": "play", "position": 0, "t": 1}], "forbidden"),
    ]:
        status, body = await db(lambda who=who, events=events: _listen(who, battle_id, events))
        assert body["code"] == code and status >= 400


@pytest.mark.parametrize(
    ("prompt", "code"),
    [("please explain the French revolution", "prompt_rejected"),
     ("a rock song in the voice of Some Star", "prompt_rejected"),
     ("a techno track, 10 minutes", "request_unsupported")],
)
async def test_the_router_refuses_before_anything_is_created(
    alice: Annotator, prompt: str, code: str
) -> None:
    slug = await db(lambda: _music_arena(_demo("studio"), _demo("simple")))
    messages = await play(alice, {"arena": slug, "prompt": prompt})
    assert (messages[-1]["type"], messages[-1]["code"]) == ("error", code)
    assert await db(lambda: Battle.objects.count()) == 0


async def test_matchmaking_pairs_only_capable_contenders(alice: Annotator) -> None:
    def setup() -> str:
        slug = _music_arena(_demo("studio"), _demo("simple"),
                            _demo("chiptune", INSTRUMENTAL), _demo("detuned", INSTRUMENTAL))
        return slug

    slug = await db(setup)
    for _ in range(4):
        messages = await play(alice, {"arena": slug, "prompt": "a pop song, sing about rain"})
        battle = await db(lambda m=messages: Battle.objects.select_related(
            "contender_a", "contender_b").get(id=m[0]["battle_id"]))
        assert battle.contender_a.capabilities["vocals"] and battle.contender_b.capabilities["vocals"]
    only_one = await db(lambda: _music_arena(_demo("studio"), _demo("simple", INSTRUMENTAL)))
    messages = await play(alice, {"arena": only_one, "prompt": "a soul song with vocals"})
    assert messages[-1]["code"] == "request_unsupported"


async def test_a_corrupt_track_fails_the_battle_and_stores_nothing_for_it(
    alice: Annotator, fake_media: FakeMediaServer
) -> None:
    slug = await db(lambda: _music_arena(
        _demo("simple"),
        {"provider_kind": "http_music", "endpoint": fake_media.base_url + "/music",
         "model_id": "fake-music-corrupt", "capabilities": FULL},
    ))
    messages = await play(alice, {"arena": slug, "prompt": "an ambient instrumental"})
    failed = [m for m in messages if m["type"] == "side_failed"]
    assert len(failed) == 1 and "corrupt" in failed[0]["error"]
    assert "fake-music" not in json.dumps(messages)
    assert await db(lambda: MediaAsset.objects.count()) == 1
    battle_id = messages[0]["battle_id"]
    assert await db(lambda: Battle.objects.get(id=battle_id).state) == BattleState.FAILED
    status, body = await db(lambda: _vote(alice, battle_id))
    assert status == 409
    assert await db(lambda: Turn.objects.get().request["instrumental"]) is True
