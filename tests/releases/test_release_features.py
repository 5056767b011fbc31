"""What researchers slice and control by: each answer's style counts, the built-in categories,
moderation reason codes, media measurements, the router's request and image feedback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from battles.models import Generation, MediaAsset, Turn, VoteFeedback
from moderation.models import Flag
from releases.models import ReleasePolicy
from releases.services import release_build, releases_root
from releases.verify import release_verify
from tests.factories import arena_create, contender_create
from tests.releases.conftest import battle_voted, person

pytestmark = pytest.mark.django_db


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "battles.jsonl").read_text().splitlines()]


def test_a_text_release_carries_style_counts_categories_and_moderation_codes() -> None:
    arena = arena_create()
    a, b = contender_create(arena=arena), contender_create(arena=arena)
    policy = ReleasePolicy.objects.create(arena=arena)
    battle = battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt="Écris un poème " * 40,
                          answers=("# Title\n- one\n- **two** [1]", "plain words here"))
    Generation.objects.filter(turn__battle=battle, side="b").update(
        style_counts={"length": 99, "headers": 0, "lists": 0, "bold": 0, "citations": 0})
    Flag.objects.create(kind="prompt", reason="pii", source="filter", battle=battle,
                        excerpt="Ada Lovelace ada@example.com")
    Flag.objects.create(kind="prompt", reason="spam", source="filter", battle=battle, status="dismissed")

    directory = releases_root() / release_build(policy=policy).directory
    [row] = _rows(directory)
    assert row["style_a"] == [{"length": 7, "headers": 1, "lists": 2, "bold": 1, "citations": 1}]
    assert row["style_b"] == [{"length": 99, "headers": 0, "lists": 0, "bold": 0, "citations": 0}]
    assert row["categories"] == ["non_english", "long_prompts"]
    assert row["moderation_tags"] == ["pii"]
    assert "media_info_a" not in row
    assert release_verify(directory) == []


def test_media_releases_carry_measurements_the_request_and_feedback(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    for modality, kind, measured in [("image", "image", {"width": 640, "height": 480}),
                                     ("music", "audio", {"duration_ms": 10_500})]:
        arena = arena_create(modality=modality)
        a, b = contender_create(arena=arena), contender_create(arena=arena)
        policy = ReleasePolicy.objects.create(arena=arena)
        battle = battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt="A calm lake")
        Turn.objects.filter(battle=battle).update(request={"vocals": False, "duration_s": 10})
        generation = Generation.objects.get(turn__battle=battle, side="a")
        stored = default_storage.save(f"out/{modality}.bin", ContentFile(b"bytes"))
        MediaAsset.objects.create(generation=generation, kind=kind, file=stored, content_type="x/y",
                                  byte_size=5, **measured)
        VoteFeedback.objects.create(vote=battle.vote, text="Too dark; mail me at me@example.com")

        directory = releases_root() / release_build(policy=policy).directory
        [row] = _rows(directory)
        assert row["media_info_a"] == [{"width": None, "height": None, "duration_ms": None} | measured]
        assert row["media_info_b"] == [None]
        assert json.loads(row["request"][0]) == {"vocals": False, "duration_s": 10}
        assert row["feedback"] == "Too dark; mail me at [REDACTED_EMAIL]", modality
        media_feature = {"image": "image", "music": "audio"}[modality]
        assert f'{{"name": "media_a", "list": "{media_feature}"}}' in (directory / "README.md").read_text()
        assert release_verify(directory) == []


def test_datasets_loads_a_media_release_with_its_images(settings: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    arena = arena_create(modality="image")
    a, b = contender_create(arena=arena), contender_create(arena=arena)
    policy = ReleasePolicy.objects.create(arena=arena)
    battle = battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt="A red square")
    for side, size in (("a", (8, 6)), ("b", (5, 4))):
        stored = default_storage.save(f"out/{side}.png", ContentFile(b""))
        Image.new("RGB", size, "red").save(default_storage.path(stored))
        MediaAsset.objects.create(generation=Generation.objects.get(turn__battle=battle, side=side),
                                  kind="image", file=stored, content_type="image/png", byte_size=1,
                                  width=size[0], height=size[1])
    directory = releases_root() / release_build(policy=policy).directory
    monkeypatch.chdir(directory)  # media paths are relative to the release directory
    loaded = datasets.load_dataset(str(directory), split="train", cache_dir=str(tmp_path / "hf-cache"))
    assert isinstance(loaded.features["media_a"].feature, datasets.Image)
    [row] = loaded
    assert [row["media_a"][0].size, row["media_b"][0].size] == [(8, 6), (5, 4)]
    assert row["media_info_a"] == [{"width": 8, "height": 6, "duration_ms": None}]
