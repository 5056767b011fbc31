"""The image arena end to end over the WebSocket: progress, two same-size images stored
without metadata, served only to their annotator; corrupt images and errors fail cleanly."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from annotators.models import Annotator
from battles.models import Battle, BattleState, Generation, MediaAsset
from tests.battles.modality_helpers import (
    db,
    play,
    private_media_root,  # noqa: F401
    settled_with_media,
    start_then_close,
)
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60),
              pytest.mark.usefixtures("sides_worker")]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _image_arena(*specs: dict[str, object]) -> str:
    arena = arena_create(modality="image", max_turns=1,
                         settings={"image_width": 320, "image_height": 240})
    for spec in specs:
        contender_create(arena=arena, **spec)
    return arena.slug


def _demo(style: str, **params: object) -> dict[str, object]:
    return {"provider_kind": "demo_image", "params": {"style": style, "step_delay": 0, **params}}


def _http(server: FakeMediaServer, model: str) -> dict[str, object]:
    return {"provider_kind": "openai_images", "endpoint": server.base_url + "/v1",
            "model_id": model, "params": {"read_timeout": 5, "total_timeout": 10}}


async def test_it_generates_two_same_size_images_with_progress(alice: Annotator) -> None:
    slug = await db(lambda: _image_arena(_demo("painterly"), _demo("blocky")))
    messages = await play(alice, {"arena": slug, "prompt": "a lighthouse at night"})

    assert messages[-1]["can_vote"] is True
    assert {m["side"] for m in messages if m["type"] == "progress"} == {"a", "b"}
    done = {m["side"]: m for m in messages if m["type"] == "side_done"}
    for side in ("a", "b"):
        media = done[side]["media"]
        assert (media["kind"], media["width"], media["height"]) == ("image", 320, 240)
    assets = await db(lambda: list(MediaAsset.objects.all()))
    assert len(assets) == 2
    for asset in assets:
        with default_storage.open(asset.file.name) as handle:
            assert Image.open(handle).size == (320, 240)


async def test_it_serves_media_only_to_the_battles_annotator(alice: Annotator) -> None:
    slug = await db(lambda: _image_arena(_demo("painterly"), _demo("flat")))
    messages = await play(alice, {"arena": slug, "prompt": "a red barn"})
    url = next(m for m in messages if m["type"] == "side_done")["media"]["url"]

    def fetch() -> tuple[int, int, int, bytes, dict[str, str]]:
        mine = client_for(alice).get(url)
        theirs = client_for(annotator_create()).get(url)
        anonymous = client_for(None).get(url)
        return (mine.status_code, theirs.status_code, anonymous.status_code, mine.content,
                dict(mine.headers))

    mine, theirs, anonymous, body, headers = await db(fetch)
    assert (mine, theirs, anonymous) == (200, 404, 404)
    assert Image.open(io.BytesIO(body)).format == "PNG"
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Disposition"] == "inline"
    assert "private" in headers["Cache-Control"]


async def test_it_stores_no_model_metadata_and_names_nothing(
    alice: Annotator, fake_media: FakeMediaServer
) -> None:
    slug = await db(lambda: _image_arena(
        {**_http(fake_media, "fake-image-b64"), "name": "Zephyr Paint", "slug": "zephyr-paint"},
        {**_http(fake_media, "fake-image-url"), "name": "Quokka Draw", "slug": "quokka-draw"},
    ))
    messages = await play(alice, {"arena": slug, "prompt": "a green hill"})
    assert messages[-1]["can_vote"] is True
    seen = json.dumps(messages)
    for secret in ("zephyr", "quokka", "fake-image", "127.0.0.1"):
        assert secret not in seen.lower()
    for asset in await db(lambda: list(MediaAsset.objects.all())):
        assert "fake" not in asset.file.name and "zephyr" not in asset.file.name
        with default_storage.open(asset.file.name) as handle:
            data = handle.read()
        assert b"SecretDiffusion" not in data and b"fake-image" not in data


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("fake-image-corrupt", "corrupt"),
        ("fake-image-error-500", "HTTP 500"),
    ],
)
async def test_a_broken_image_fails_the_battle_and_stores_nothing_for_it(
    alice: Annotator, fake_media: FakeMediaServer, broken: str, message: str
) -> None:
    slug = await db(lambda: _image_arena(_demo("flat"), _http(fake_media, broken)))
    messages = await play(alice, {"arena": slug, "prompt": "a tiny cat"})

    failed = [m for m in messages if m["type"] == "side_failed"]
    assert len(failed) == 1 and message in failed[0]["error"]
    assert broken not in json.dumps(messages)
    assert messages[-1]["can_vote"] is False
    battle = await db(lambda: Battle.objects.get())
    assert battle.state == BattleState.FAILED
    broken_side = failed[0]["side"]
    assert not await db(lambda: MediaAsset.objects.filter(generation__side=broken_side).exists())

    def vote() -> int:
        return client_for(alice).post(
            f"/api/battles/{battle.id}/vote", {"choice": "a", "idempotency_key": "k" * 16},
            content_type="application/json",
        ).status_code

    assert await db(vote) == 409


async def test_the_demo_corrupt_switch_fails_one_side(alice: Annotator) -> None:
    slug = await db(lambda: _image_arena(_demo("flat"), _demo("flat", corrupt=True)))
    messages = await play(alice, {"arena": slug, "prompt": "a blue moon"})
    assert [m["type"] for m in messages].count("side_failed") == 1
    statuses = await db(lambda: sorted(Generation.objects.values_list("status", flat=True)))
    assert statuses == ["done", "failed"]


async def test_closing_the_page_does_not_stop_the_images(alice: Annotator) -> None:
    """Images are made in a Celery worker: a page closed mid-generation finds them done when it
    comes back (the battle page restores it from `?battle=`)."""
    slug = await db(lambda: _image_arena(_demo("painterly", step_delay=0.2),
                                         _demo("blocky", step_delay=0.2)))
    battle_id = await start_then_close(alice, {"arena": slug, "prompt": "a red barn"},
                                       after="battle_started")
    assert await settled_with_media(battle_id) == (BattleState.READY, 2)
