"""Music tracks are made by a real Celery worker, reported over the battle's channel-layer group
and relayed to the page's WebSocket; a closed page no longer stops them; a re-run task does
nothing to a side that has ended."""

from __future__ import annotations

import json

import pytest

from annotators.models import Annotator
from battles.models import Battle, BattleState, Generation, GenerationStatus, MediaAsset
from battles.sides.worker import worker_side_generate
from battles.tasks import media_generate_task
from tests.battles.conftest import MediaWorker
from tests.battles.modality_helpers import db, play, settled_with_media, start_then_close
from tests.factories import annotator_create, arena_create, client_for, contender_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

CAPABILITIES = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _music_arena(*params: dict[str, object]) -> str:
    arena = arena_create(modality="music", max_turns=1,
                         settings={"min_listen_s": 1, "default_duration_s": 2})
    for extra in params:
        contender_create(arena=arena, provider_kind="demo_music", model_id="tune-model-x",
                         capabilities=CAPABILITIES, params={"step_delay": 0.05, **extra})
    return arena.slug


async def test_a_worker_makes_both_tracks_and_the_socket_relays_progress_and_files(
    alice: Annotator, sides_worker: MediaWorker
) -> None:
    slug = await db(lambda: _music_arena({"style": "studio"}, {"style": "chiptune"}))

    messages = await play(alice, {"arena": slug, "prompt": "a calm piano instrumental"})

    kinds = [m["type"] for m in messages]
    assert kinds[:2] == ["battle_started", "route"] and kinds[-1] == "turn_done"
    assert messages[-1]["can_vote"] is True
    for side in ("a", "b"):
        progress = [m for m in messages if m["type"] == "progress" and m["side"] == side]
        done = [m for m in messages if m["type"] == "side_done" and m["side"] == side]
        assert [p["fraction"] for p in progress] == [0, 0.25, 0.5, 0.75]
        assert len(done) == 1 and kinds.index("side_done") > kinds.index("progress")
        response = await db(lambda d=done: client_for(alice).get(d[0]["media"]["url"]))
        assert (response.status_code, response["Content-Type"]) == (200, "audio/wav")
    assert "tune-model-x" not in json.dumps(messages)
    assert await db(lambda: MediaAsset.objects.count()) == 2


async def test_a_failing_provider_fails_only_its_side(
    alice: Annotator, sides_worker: MediaWorker
) -> None:
    slug = await db(lambda: _music_arena({"style": "simple"}, {"style": "detuned", "corrupt": True}))

    messages = await play(alice, {"arena": slug, "prompt": "an ambient instrumental"})

    failed = [m for m in messages if m["type"] == "side_failed"]
    done = [m for m in messages if m["type"] == "side_done"]
    assert len(failed) == 1 and len(done) == 1 and failed[0]["side"] != done[0]["side"]
    assert "corrupt" in failed[0]["error"]
    assert messages[-1]["can_vote"] is False
    battle_id = messages[0]["battle_id"]
    statuses = await db(lambda: dict(Generation.objects.filter(turn__battle_id=battle_id)
                                     .values_list("side", "status")))
    assert statuses == {done[0]["side"]: GenerationStatus.DONE,
                        failed[0]["side"]: GenerationStatus.FAILED}
    assert await db(lambda: Battle.objects.get(id=battle_id).state) == BattleState.FAILED


async def test_closing_the_page_does_not_stop_the_tracks(
    alice: Annotator, sides_worker: MediaWorker
) -> None:
    slug = await db(lambda: _music_arena({"style": "simple", "step_delay": 0.3},
                                         {"style": "chiptune", "step_delay": 0.3}))
    battle_id = await start_then_close(
        alice, {"arena": slug, "prompt": "a lullaby, instrumental"}, after="progress")
    assert await settled_with_media(battle_id) == (BattleState.READY, 2)


async def test_a_side_that_cannot_be_queued_fails_at_once(
    alice: Annotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(media_generate_task, "apply_async", broker_down)
    slug = await db(lambda: _music_arena({"style": "simple"}, {"style": "chiptune"}))

    messages = await play(alice, {"arena": slug, "prompt": "a short march"})

    failed = [m for m in messages if m["type"] == "side_failed"]
    assert {m["side"] for m in failed} == {"a", "b"}
    assert "could not be started" in failed[0]["error"]
    assert messages[-1]["type"] == "turn_done" and messages[-1]["can_vote"] is False


async def test_a_task_run_again_leaves_an_ended_side_alone(
    alice: Annotator, sides_worker: MediaWorker
) -> None:
    slug = await db(lambda: _music_arena({"style": "simple"}, {"style": "chiptune"}))
    battle_id = (await play(alice, {"arena": slug, "prompt": "a short march"}))[0]["battle_id"]
    generations = await db(lambda: list(Generation.objects.filter(turn__battle_id=battle_id)))
    assets = await db(lambda: set(MediaAsset.objects.values_list("id", flat=True)))

    for generation in generations:
        ran = await db(lambda g=generation: worker_side_generate(generation_id=g.id))
        assert ran is False

    assert await db(lambda: set(MediaAsset.objects.values_list("id", flat=True))) == assets
    assert await db(lambda: Battle.objects.get(id=battle_id).state) == BattleState.READY
