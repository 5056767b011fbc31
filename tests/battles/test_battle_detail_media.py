"""The battle detail (`GET /api/battles/{id}`) carries what a reloaded page needs to show the
answers again: media by their opaque URLs, search answers with their citations and sources."""

from __future__ import annotations

from typing import Any

import pytest

from annotators.models import Annotator
from tests.battles.conftest import MediaWorker
from tests.battles.modality_helpers import db, play
from tests.factories import annotator_create, arena_create, client_for, contender_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _arena(modality: str, kind: str, styles: tuple[str, str], **fields: Any) -> str:
    arena = arena_create(modality=modality, **fields)
    for style in styles:
        contender_create(arena=arena, provider_kind=kind, capabilities={"vocals": True},
                         params={"style": style, "step_delay": 0, "token_delay": 0})
    return arena.slug


def _detail(annotator: Annotator, battle_id: str) -> dict[str, Any]:
    response = client_for(annotator).get(f"/api/battles/{battle_id}")
    assert response.status_code == 200
    return response.json()


def _done(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["side"]: m for m in messages if m["type"] == "side_done"}


async def test_it_returns_the_search_answers_with_citations_and_sources(alice: Annotator) -> None:
    slug = await db(lambda: _arena("search", "demo_search", ("thorough", "brief")))
    messages = await play(alice, {"arena": slug, "prompt": "Why are there two tides a day?"})
    battle_id = messages[0]["battle_id"]

    turn = (await db(lambda: _detail(alice, battle_id)))["turns"][0]

    for side, done in _done(messages).items():
        assert turn[side]["html"] == done["html"] and "<sup>" in done["html"]
        assert turn[side]["sources"] == done["sources"] and done["sources"]
        assert "provider_marker" not in str(turn[side])


async def test_it_returns_images_by_their_opaque_urls(
    alice: Annotator, sides_worker: MediaWorker
) -> None:
    slug = await db(lambda: _arena("image", "demo_image", ("painterly", "flat"),
                                   settings={"image_width": 128, "image_height": 96}))
    messages = await play(alice, {"arena": slug, "prompt": "a red lighthouse"})
    battle_id = messages[0]["battle_id"]

    detail = await db(lambda: _detail(alice, battle_id))

    for side, done in _done(messages).items():
        assert detail["turns"][0][side]["media"] == done["media"]
    assert detail["reveal"] is None


async def test_it_returns_music_tracks(alice: Annotator, sides_worker: MediaWorker) -> None:
    slug = await db(lambda: _arena("music", "demo_music", ("simple", "chiptune"),
                                   settings={"default_duration_s": 2}))
    messages = await play(alice, {"arena": slug, "prompt": "a calm piano instrumental"})

    detail = await db(lambda: _detail(alice, messages[0]["battle_id"]))

    for side, done in _done(messages).items():
        assert detail["turns"][0][side]["media"] == done["media"]
        assert done["media"]["kind"] == "audio"
