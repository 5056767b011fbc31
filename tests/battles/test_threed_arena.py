"""The 3D arena: seeded and listed, text-to-3D and image-to-3D battles made by a real worker and
stored as the arena's GLB profile, the vote gated on viewing time measured by the server, aspects
voted beside the overall choice, and the HTTP job provider's slow, failed and malformed jobs."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from annotators.models import Annotator
from battles.mesh_decode import glb_json
from battles.models import Arena, Battle, BattleState, MediaAsset, Turn, VoteAspect
from tests.battles.modality_helpers import (
    db,
    play,
    private_media_root,  # noqa: F401
)
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.fakes.threed_server import FakeThreeDServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120),
              pytest.mark.usefixtures("sides_worker")]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


@pytest.fixture
def fake_3d() -> Iterator[FakeThreeDServer]:
    with FakeThreeDServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _private_var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _arena(*contenders: dict[str, Any], min_view_s: float = 1.0) -> str:
    arena = arena_create(modality="threed", max_turns=1, settings={"min_view_s": min_view_s})
    for fields in contenders:
        contender_create(arena=arena, **fields)
    return arena.slug


def _demo(style: str) -> dict[str, Any]:
    return {"provider_kind": "demo_3d", "params": {"style": style, "step_delay": 0}}


def _job(server: FakeThreeDServer, model: str) -> dict[str, Any]:
    return {"provider_kind": "http_3d", "endpoint": server.base_url + "/", "model_id": model,
            "params": {"poll_interval": 0.01, "poll_max_interval": 0.02, "read_timeout": 3,
                       "total_timeout": 10}}


def _vote(annotator: Annotator, battle_id: str, **extra: Any) -> tuple[int, dict]:
    response = client_for(annotator).post(
        f"/api/battles/{battle_id}/vote",
        {"choice": "a", "idempotency_key": "threed-vote-1", **extra},
        content_type="application/json")
    return response.status_code, response.json()


def _view(annotator: Annotator, battle_id: str, events: list[dict]) -> dict:
    response = client_for(annotator).post(
        f"/b/{battle_id}/listen", json.dumps({"events": events}), content_type="application/json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_seed_demo_creates_the_3d_arena_and_the_api_lists_it() -> None:
    call_command("seed_demo", verbosity=0)
    listed = client_for(None).get("/api/arenas").json()
    arenas = listed["arenas"] if isinstance(listed, dict) else listed
    threed = next(a for a in arenas if a["slug"] == "threed")
    assert threed["modality"] == "threed"
    detail = client_for(None).get("/api/arenas/threed").json()
    assert [a["slug"] for a in detail["aspects"]] == ["geometry", "texture", "alignment"]
    assert not any(a["required"] for a in detail["aspects"])
    styles = {c.params["style"] for c in Arena.objects.get(slug="threed").contenders.all()}
    assert styles == {"fine", "coarse", "blocky", "noisy"}


async def test_a_text_to_3d_battle_gates_the_vote_on_viewing_then_takes_aspects(
    alice: Annotator,
) -> None:
    slug = await db(lambda: _arena(_demo("fine"), _demo("blocky"), min_view_s=1.0))
    messages = await play(alice, {"arena": slug, "prompt": "a wooden chair"})
    assert messages[-1]["type"] == "turn_done" and messages[-1]["can_vote"], messages[-1]
    done = {m["side"]: m["media"] for m in messages if m["type"] == "side_done"}
    assert {d["kind"] for d in done.values()} == {"model"}
    assert {d["content_type"] for d in done.values()} == {"model/gltf-binary"}
    assert any(m["type"] == "progress" for m in messages)
    battle_id = messages[0]["battle_id"]
    assert await db(lambda: Turn.objects.get(battle_id=battle_id).request) == {"task": "text-to-3d"}

    status, body = await db(lambda: _vote(alice, battle_id))
    assert (status, body["code"]) == (409, "listen_more")
    assert body["message"].startswith("Look at both models for at least 1 s")

    # Cumulative seconds viewed, reported as a player would: the server's clock bounds them.
    t0 = 500.0
    state = await db(lambda: _view(alice, battle_id, [
        {"side": "a", "kind": "play", "position": 0, "t": t0},
        {"side": "b", "kind": "play", "position": 0, "t": t0},
        {"side": "a", "kind": "tick", "position": 30, "t": t0 + 30000}]))
    assert state["heard"]["a"] <= 0.6 and state["can_vote"] is False
    time.sleep(1.1)
    state = await db(lambda: _view(alice, battle_id, [
        {"side": "a", "kind": "tick", "position": 31.1, "t": t0 + 31100},
        {"side": "b", "kind": "pause", "position": 1.1, "t": t0 + 1100}]))
    assert state["can_vote"] is True, state
    assert state["required_s"] == {"a": 1.0, "b": 1.0}  # not bounded by any duration

    status, body = await db(lambda: _vote(alice, battle_id,
                                          aspects={"geometry": "a", "alignment": "tie"}))
    assert status == 200 and body["reveal"], body
    stored = await db(lambda: dict(VoteAspect.objects.values_list("aspect", "choice")))
    assert stored == {"geometry": "a", "alignment": "tie"}


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 160, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


async def test_an_image_to_3d_battle_uses_the_uploaded_image(alice: Annotator) -> None:
    slug = await db(lambda: _arena(_demo("coarse"), _demo("fine")))
    response = await db(lambda: client_for(alice).post(
        f"/a/{slug}/reference-image",
        {"image": SimpleUploadedFile("photo.jpg", _photo(), content_type="image/jpeg")}))
    assert response.status_code == 200, response.content
    token = response.json()["image"]

    messages = await play(alice, {"arena": slug, "prompt": "a chair like this", "image": token})
    assert messages[-1]["can_vote"], messages[-1]
    battle_id = messages[0]["battle_id"]
    request = await db(lambda: Turn.objects.get(battle_id=battle_id).request)
    assert request["task"] == "image-to-3d" and request["image"].startswith("reference-images/")
    # The demo colours the model with the image's colours: green dominates the texture colours.
    asset = await db(lambda: MediaAsset.objects.filter(generation__turn__battle_id=battle_id)
                     .first())
    assert asset is not None
    data = await db(lambda: asset.file.open("rb").read())
    assert glb_json(data)["asset"] == {"version": "2.0"}

    bob = await db(annotator_create)
    messages = await play(bob, {"arena": slug, "prompt": "a chair", "image": token})
    assert (messages[-1]["type"], messages[-1]["code"]) == ("error", "image_token_invalid")


async def test_the_http_job_provider_slow_failed_and_malformed(
    alice: Annotator, fake_3d: FakeThreeDServer,
) -> None:
    slug = await db(lambda: _arena(_job(fake_3d, "fake-3d-slow"), _job(fake_3d, "fake-3d-normal")))
    messages = await play(alice, {"arena": slug, "prompt": "a small house"})
    assert messages[-1]["can_vote"], messages[-1]
    # The job service's own words (queued, running, downloading) never reach the page.
    stages = {m["stage"] for m in messages if m["type"] == "progress"}
    assert stages == {"making"}
    battle_id = messages[0]["battle_id"]
    for asset in await db(lambda: list(MediaAsset.objects.filter(
            generation__turn__battle_id=battle_id))):
        data = await db(lambda asset=asset: asset.file.open("rb").read())
        assert b"fake-3d" not in data and b"SecretGen" not in data

    for broken, error in (("fake-3d-failed", "The model's 3D job failed."),
                          ("fake-3d-malformed", "malformed 3D job response"),
                          ("fake-3d-corrupt", "corrupt or unreadable 3D file")):
        slug = await db(lambda b=broken: _arena(_job(fake_3d, b), _job(fake_3d, b)))
        bob = await db(annotator_create)
        messages = await play(bob, {"arena": slug, "prompt": "a lamp"})
        assert messages[-1]["type"] == "turn_done" and not messages[-1]["can_vote"]
        failures = [m["error"] for m in messages if m["type"] == "side_failed"]
        assert len(failures) == 2 and all(error in f for f in failures), failures
        assert all(broken not in f for f in failures)
        battle = await db(lambda b=messages[0]["battle_id"]: Battle.objects.get(id=b))
        assert battle.state == BattleState.FAILED
        assert not await db(lambda b=battle: MediaAsset.objects.filter(
            generation__turn__battle=b).exists())
