"""Study releases of music and 3D studies: answers made by the demo providers through the real
path, judged (after the exposure gate), released, verified; the files are copied once under
keyed names, the card types the media column as the release declares (`datasets` Audio for
tracks, plain paths for 3D models), and `datasets.load_dataset` reads the release.

`datasets` 4 decodes audio with torchcodec, which this environment does not have (and cannot
fetch offline); the audio config is loaded with its declared Audio feature and then read with
the column cast to `Audio(decode=False)`, each track decoded with soundfile instead."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from releases.schema import DATA_BASENAME
from releases.study_release import study_release_build
from releases.verify import release_verify
from studies.models import Study, StudyCandidate
from studies.services.assignment import slot_claim
from studies.services.judgement import judgement_submit
from tests.factories import annotator_create
from tests.studies.factories import media_study_made, slot_exposed

pytestmark = pytest.mark.django_db

MUSIC = {"min_listen_s": 5, "default_duration_s": 2, "audio_sample_rate": 22050,
         "audio_channels": 1}
THREED = {"min_view_s": 3, "glb_megabytes": 1}


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line)
            for line in (directory / f"{DATA_BASENAME}.jsonl").read_text().splitlines()]


def _judged(study: Study, judges: int) -> None:
    """Every judge judges every item, after the study's exposure gate."""
    for _ in range(judges):
        person = annotator_create()
        person.release_consent = True
        person.save()
        while (slot := slot_claim(study=study, annotator=person)) is not None:
            slot_exposed(slot)
            judgement_submit(slot_id=slot.pk, annotator=person, ranking=[0])


def _released(modality: str, settings: Any, tmp_path: Path, arena: dict[str, Any],
              ) -> tuple[Study, Path, list[dict[str, Any]]]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RELEASES_ROOT = tmp_path / "releases"
    study = media_study_made(modality, k=3, items=2, overlap=2, settings=arena)
    _judged(study, judges=2)
    directory = study_release_build(study=study)
    assert release_verify(directory) == []
    rows = _rows(directory)
    assert len(rows) == 4
    stored = {c.media_name: c for c in StudyCandidate.objects.filter(item__study=study)}
    released = {p for row in rows for p in row["media"]}
    assert len(released) == 6  # 2 items x 3 answers, each copied once for its 2 judgements
    manifest = json.loads((directory / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(["README.md", f"{DATA_BASENAME}.jsonl",
                                                f"{DATA_BASENAME}.parquet", *released])
    copies = {(directory / p).read_bytes(): p for p in released}
    for name in stored:
        original = Path(settings.MEDIA_ROOT, name).read_bytes()
        path = copies[original]  # every answer's file is in the release, byte for byte
        assert Path(name).stem not in path and path.startswith("media/")
    assert "Secret" not in json.dumps([row["media"] for row in rows])
    return study, directory, rows


def _features(directory: Path) -> dict[str, Any]:
    front: dict[str, Any] = yaml.safe_load((directory / "README.md").read_text().split("---")[1])
    return {f["name"]: f for f in front["dataset_info"]["features"]}


def _load(directory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.chdir(directory)  # media paths are relative to the release directory
    return datasets.load_dataset(str(directory), split="train",
                                 cache_dir=str(tmp_path / "hf-cache"))


def test_a_music_study_release_carries_its_tracks_as_audio(
        settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    soundfile = pytest.importorskip("soundfile")
    study, directory, rows = _released("music", settings, tmp_path, MUSIC)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert (manifest["release_kind"], manifest["media_kind"]) == ("study_media", "audio")
    for row in rows:
        assert all(p.endswith(".wav") for p in row["media"])
        assert row["media_info"] == [{"width": None, "height": None, "duration_ms": 2000}] * 3
    assert _features(directory)["media"] == {"name": "media", "list": "audio"}
    card = " ".join((directory / "README.md").read_text().split())
    for fact in ("The answers are files (media kind `audio`)",
                 "`datasets.load_dataset` reads `media` as `datasets` Audio",
                 "each of the K tracks had been heard for 5 s (or, where one is shorter, its "
                 "length less half a second)", "`min_listen_s`"):
        assert fact in card
    assert manifest["design"]["exposure"]["min_s"] == 5

    loaded = _load(directory, tmp_path, monkeypatch)
    datasets = pytest.importorskip("datasets")
    assert isinstance(loaded.features["media"].feature, datasets.Audio)
    assert loaded.num_rows == 4
    raw = loaded.cast_column("media", datasets.List(datasets.Audio(decode=False)))
    for row in raw:
        for track in row["media"]:
            data, rate = soundfile.read(io.BytesIO(track["bytes"]) if track["bytes"]
                                        else directory / track["path"])
            assert rate == 22050 and len(data) == 2 * 22050


def test_a_3d_study_release_carries_its_models_as_paths(
        settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study, directory, rows = _released("threed", settings, tmp_path, THREED)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert (manifest["release_kind"], manifest["media_kind"]) == ("study_media", "model")
    for row in rows:
        assert all(p.endswith(".glb") for p in row["media"])
        assert all((directory / p).read_bytes().startswith(b"glTF") for p in row["media"])
    # `datasets` has no 3D feature: the release declares the paths as strings.
    assert _features(directory)["media"] == {"name": "media", "list": {"dtype": "string"}}
    card = " ".join((directory / "README.md").read_text().split())
    for fact in ("The answers are files (media kind `model`)",
                 "`datasets` has no feature for these files, so `media` holds their paths",
                 "each of the K models had been viewed for 3 s, measured by the server"):
        assert fact in card

    loaded = _load(directory, tmp_path, monkeypatch)
    assert loaded.num_rows == 4
    assert {p for row in loaded for p in row["media"]} == {p for r in rows for p in r["media"]}
