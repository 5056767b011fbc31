"""The media guarantee, end to end: the four seeded demo contenders of the image, music and 3D
arenas answer in very different native formats (44.1 kHz stereo down to 8 kHz mono; smooth,
flat, blocky and noisy pictures; smooth, low-poly, voxel and jittered meshes), yet what the
annotator can fetch before the vote, through the battle API and the media URL, is the same
format, the same size (for a requested duration) and carries no metadata."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import av
import pytest
import soundfile
from django.core.management import call_command
from PIL import Image

from battles.mesh_decode import glb_json
from battles.models import Arena, Battle, Contender
from tests.battles.modality_helpers import (
    db,
    play,
    private_media_root,  # noqa: F401
)
from tests.factories import annotator_create, client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180),
              pytest.mark.usefixtures("sides_worker")]

# The headers a browser sees that could differ per file; none may.
HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "Cache-Control",
           "Last-Modified", "ETag", "Content-Range", "Accept-Ranges")
PROMPTS: dict[str, str] = {"image": "a red lighthouse at sunset",
           "music": "a calm instrumental piano tune", "threed": "a wooden chair"}
SIZE_HEADERS = ("Content-Length", "Content-Range")


@pytest.fixture(autouse=True)
def _private_var_dir(settings: Any, tmp_path: Path) -> None:
    """seed_demo writes the admin password under VAR_DIR; keep the developer's file intact."""
    settings.VAR_DIR = tmp_path


def _only(slug: str, pair: tuple[str, str]) -> None:
    """Matchmaking may pick only this pair, so two battles cover all four contenders."""
    Contender.objects.filter(arena__slug=slug).update(sampling_weight=0)
    Contender.objects.filter(arena__slug=slug, slug__in=pair).update(sampling_weight=1)


def _fetched_before_the_vote(annotator: Any, battle_id: str) -> list[dict[str, Any]]:
    client = client_for(annotator)
    detail = client.get(f"/api/battles/{battle_id}").json()
    assert detail["reveal"] is None
    fetched = []
    for side in ("a", "b"):
        media = detail["turns"][0][side]["media"]
        response = client.get(media["url"])
        assert response.status_code == 200
        seek = client.get(media["url"], HTTP_RANGE="bytes=100-")  # an audio player seeking
        assert seek.status_code == 206
        battle = Battle.objects.select_related("contender_a", "contender_b").get(id=battle_id)
        contender = battle.contender_a if side == "a" else battle.contender_b
        fetched.append({
            "contender": contender,
            "public": {k: v for k, v in media.items() if k != "url"},
            "headers": {h: response.headers.get(h) for h in HEADERS},
            "seek_headers": {h: seek.headers.get(h) for h in HEADERS},
            "data": response.content,
        })
    return fetched


async def _four_contenders(modality: str) -> list[dict[str, Any]]:
    def setup() -> tuple[str, list[str]]:
        call_command("seed_demo", verbosity=0)
        arena = Arena.objects.get(modality=modality)
        return arena.slug, list(arena.contenders.order_by("slug").values_list("slug", flat=True))

    slug, slugs = await db(setup)
    assert len(slugs) == 4
    fetched = []
    for pair in (tuple(slugs[:2]), tuple(slugs[2:])):
        annotator = await db(annotator_create)
        await db(lambda pair=pair: _only(slug, pair))
        messages = await play(annotator, {"arena": slug, "prompt": PROMPTS[modality]})
        assert messages[-1]["type"] == "turn_done" and messages[-1]["can_vote"], messages[-1]
        battle_id = messages[0]["battle_id"]
        fetched += await db(lambda b=battle_id, a=annotator: _fetched_before_the_vote(a, b))
    assert {f["contender"].slug for f in fetched} == set(slugs)
    return fetched


def _assert_uniform(fetched: list[dict[str, Any]], *, same_size: bool = True) -> None:
    for key in ("public", "headers", "seek_headers"):
        values = [{k: v for k, v in f[key].items() if same_size or k not in SIZE_HEADERS}
                  for f in fetched]
        assert all(v == values[0] for v in values), values
    for f in fetched:
        assert len(f["data"]) == int(f["headers"]["Content-Length"])
    if same_size:
        assert len({len(f["data"]) for f in fetched}) == 1
    assert fetched[0]["headers"]["Last-Modified"] is None
    assert fetched[0]["headers"]["ETag"] is None
    assert fetched[0]["headers"]["Content-Disposition"] == "inline"
    for f in fetched:
        contender = f["contender"]
        for name in (contender.slug, contender.name, contender.organisation):
            assert name.encode() not in f["data"], (contender.slug, name)


async def test_the_four_demo_tracks_cannot_be_told_apart_before_the_vote() -> None:
    fetched = await _four_contenders("music")

    _assert_uniform(fetched)
    assert {f["data"][:44] for f in fetched} == {fetched[0]["data"][:44]}
    for f in fetched:
        info = soundfile.info(io.BytesIO(f["data"]))
        assert (info.samplerate, info.channels, info.subtype) == (44100, 2, "PCM_16")
        assert info.frames == 10 * 44100 and len(f["data"]) == 44 + 10 * 44100 * 4
        assert f["data"][36:40] == b"data"  # fmt then data: no LIST/INFO or other chunk
        with av.open(io.BytesIO(f["data"])) as container:
            assert not container.metadata and not container.streams.audio[0].metadata


async def test_the_four_demo_images_cannot_be_told_apart_before_the_vote() -> None:
    fetched = await _four_contenders("image")

    _assert_uniform(fetched)
    for f in fetched:
        with Image.open(io.BytesIO(f["data"])) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", (512, 384))
            assert not image.info and not image.getexif()


_SIZES = frozenset({"count", "byteLength", "byteOffset", "min", "max"})


def _structure(value: Any) -> Any:
    """The GLB's JSON chunk with the numbers that follow the geometry's size blanked out."""
    if isinstance(value, dict):
        return {k: None if k in _SIZES else _structure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_structure(v) for v in value]
    return value


async def test_the_four_demo_models_cannot_be_told_apart_before_the_vote() -> None:
    fetched = await _four_contenders("threed")

    _assert_uniform(fetched)  # padded to the arena's one GLB size (MeshFormat.file_bytes)
    assert fetched[0]["headers"]["Content-Type"] == "model/gltf-binary"
    structures = [_structure(glb_json(f["data"])) for f in fetched]
    assert all(s == structures[0] for s in structures), structures
    assert structures[0]["asset"] == {"version": "2.0"}
    for f in fetched:
        assert f["data"][:8] == b"glTF\x02\x00\x00\x00"
        text = json.dumps(glb_json(f["data"]))
        for word in ("name", "generator", "extras", "extensions", "copyright", "trimesh"):
            assert word not in text, (f["contender"].slug, word)
