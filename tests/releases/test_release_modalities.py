"""Search and music arenas release their extra columns: traces, media files, listening, feedback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from battles.models import Generation, ListenEvent, MediaAsset, VoteFeedback
from releases.media import media_extension
from releases.models import ReleasePolicy
from releases.services import release_build, releases_root
from releases.verify import release_verify
from tests.factories import arena_create, contender_create
from tests.releases.conftest import battle_voted, person

pytestmark = pytest.mark.django_db


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "battles.jsonl").read_text().splitlines()]


def test_a_search_release_carries_redacted_traces_and_citations() -> None:
    arena = arena_create(modality="search")
    a, b = contender_create(arena=arena), contender_create(arena=arena)
    policy = ReleasePolicy.objects.create(arena=arena)
    battle = battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt="Who runs example.org?")
    Generation.objects.filter(turn__battle=battle, side="a").update(trace={
        "queries": ["example.org owner contact admin@example.org"],
        "sources": [{"n": 1, "url": "https://example.org/about", "title": "About"}],
    })
    release = release_build(policy=policy)
    directory = releases_root() / release.directory
    [row] = _rows(directory)
    assert json.loads(row["citations_a"][0]) == [{"n": 1, "title": "About", "url": "https://example.org/about"}]
    assert json.loads(row["trace_a"][0])["queries"] == ["example.org owner contact [REDACTED_EMAIL]"]
    assert row["trace_b"] == ["{}"]
    assert (directory / "fastchat" / "clean_battle.json").is_file()
    assert release_verify(directory) == []


def test_a_music_release_copies_tracks_under_opaque_names(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    arena = arena_create(modality="music")
    a, b = contender_create(arena=arena), contender_create(arena=arena)
    policy = ReleasePolicy.objects.create(arena=arena)
    battle = battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt="Calm piano, 10 s")
    for side in ("a", "b"):
        stored = default_storage.save(f"tracks/{a.slug}-{side}.mp3", ContentFile(f"audio {side}".encode()))
        MediaAsset.objects.create(generation=Generation.objects.get(turn__battle=battle, side=side),
                                  kind="audio", file=stored, content_type="audio/mpeg", byte_size=7)
        ListenEvent.objects.create(battle=battle, side=side, kind="play", position_ms=0, client_ms=1000.0)
    VoteFeedback.objects.create(vote=battle.vote, text="Lovely, write me at fan@example.com")
    release = release_build(policy=policy)
    directory = releases_root() / release.directory
    [row] = _rows(directory)
    assert [len(row["media_a"]), len(row["media_b"])] == [1, 1]
    assert (directory / row["media_a"][0]).read_bytes() == b"audio a"
    assert not any(a.slug in name or "tracks" in name for name in row["media_a"] + row["media_b"])
    assert row["feedback"] == "Lovely, write me at [REDACTED_EMAIL]"
    assert [e["kind"] for e in json.loads(row["listening"])] == ["play", "play"]
    assert not (directory / "fastchat").exists()
    assert release_verify(directory) == []
    assert "torchcodec" in (directory / "README.md").read_text(), "the card says how to decode"


@pytest.mark.parametrize(("stored", "released"), [
    ("battle-media/4f2a.glb", "glb"), ("battle-media/4f2a.WAV", "wav"),
    ("battle-media/4f2a", "bin"), ("battle-media/4f2a.tar/../x", "bin"),
])
def test_media_keep_the_extension_the_platform_stored_them_with(stored: str, released: str) -> None:
    assert media_extension(stored) == released
