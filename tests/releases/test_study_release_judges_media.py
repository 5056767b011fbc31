"""A study release carries what a battle release carries: the judges' demographics (only
consented, only k-anonymous among the people released) and the answers' image files, which
`datasets` loads as images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from annotators.models import Annotator
from releases.models import K_ANONYMITY_FLOOR
from releases.rows import Naming
from releases.schema import DATA_BASENAME
from releases.services import release_secret
from releases.study_release import study_release_build
from releases.verify import release_verify
from studies.models import Study, StudyCandidate, StudyState
from studies.services.answers import item_answers_make
from studies.services.assignment import slot_claim
from studies.services.judgement import judgement_submit
from studies.services.setup import prompt_set_import
from tests.factories import annotator_create, arena_create, contender_create

pytestmark = pytest.mark.django_db

SHARED: dict[str, Any] = {"age_band": "25-34", "country": "DE", "languages": ["en", "de"]}


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line)
            for line in (directory / f"{DATA_BASENAME}.jsonl").read_text().splitlines()]


def _judge(study: Study, *, consent: bool = True, opt_in: bool = True,
           **demographics: Any) -> Annotator:
    person = annotator_create()
    person.release_consent, person.demographics_opt_in = consent, opt_in
    for name, value in demographics.items():
        setattr(person, name, value)
    person.save()
    slot = slot_claim(study=study, annotator=person)
    assert slot is not None
    judgement_submit(slot_id=slot.pk, annotator=person, ranking=[1])
    return person


def _image_study(settings: Any, tmp_path: Path) -> Study:
    settings.MEDIA_ROOT = tmp_path / "media"
    arena = arena_create(modality="image", settings={"image_width": 96, "image_height": 64})
    for style in ("painterly", "blocky"):
        contender_create(arena=arena, name=f"Secret {style}", provider_kind="demo_image",
                         params={"style": style, "step_delay": 0})
    study = Study.objects.create(arena=arena, slug="boats", title="Boats", k=2, overlap=9)
    prompt_set_import(study=study, fmt="jsonl", data=b'{"text": "a red boat at dawn"}')
    assert item_answers_make(item_id=study.items.get().pk)
    study.refresh_from_db()
    assert study.state == StudyState.OPEN
    return study


def test_judges_demographics_appear_only_with_consent_and_only_when_k_share_them(
        settings: Any, tmp_path: Path) -> None:
    study = _image_study(settings, tmp_path)
    assert K_ANONYMITY_FLOOR == 5  # no policy on the arena: its releases use the floor
    crowd = [_judge(study, **SHARED) for _ in range(5)]
    rare = _judge(study, age_band="65+", country="IS", languages=["is"])
    private = _judge(study, opt_in=False, **SHARED)
    outsider = _judge(study, consent=False, **SHARED)

    directory = study_release_build(study=study)
    assert release_verify(directory) == []
    naming = Naming(release_secret(), f"arena:{study.arena_id}")
    by_judge = {row["judge"]: row for row in _rows(directory)}
    assert naming.judge(outsider.pk) not in by_judge and len(by_judge) == 7
    for person in crowd:
        row = by_judge[naming.judge(person.pk)]
        assert (row["judge_age_band"], row["judge_country"], row["judge_languages"]) == (
            "25-34", "DE", ["de", "en"])
    for person in (rare, private):
        row = by_judge[naming.judge(person.pk)]
        assert [row["judge_age_band"], row["judge_country"], row["judge_languages"]] == [None] * 3
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["k_anonymity"] == 5
    assert "shared by at least\n  5 judges" in (directory / "README.md").read_text()

    # One of the five withdraws: four left in the release, and the one who never consented does
    # not make up the fifth.
    crowd[0].release_consent = False
    crowd[0].save()
    again = study_release_build(study=study)
    assert all(row["judge_age_band"] is None and row["judge_languages"] is None
               for row in _rows(again))


def test_a_study_of_an_image_arena_releases_its_images_and_datasets_loads_them(
        settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    study = _image_study(settings, tmp_path)
    _judge(study)
    _judge(study)

    directory = study_release_build(study=study)
    assert release_verify(directory) == []
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["release_kind"] == "study_media" and manifest["media_kind"] == "image"
    rows = _rows(directory)
    stored = list(StudyCandidate.objects.filter(item__study=study).order_by("position"))
    for row in rows:
        assert len(row["media"]) == 2 and all(p.startswith("media/") for p in row["media"])
        assert row["media_info"] == [{"width": 96, "height": 64, "duration_ms": None}] * 2
        for path, candidate in zip(row["media"], stored, strict=True):
            assert (directory / path).read_bytes() == Path(
                settings.MEDIA_ROOT, candidate.media_name).read_bytes()
            assert candidate.media_name.split("/")[-1].split(".")[0] not in path
        assert "Secret" not in json.dumps(row["media"])
    assert len({p for row in rows for p in row["media"]}) == 2  # one copy per file
    assert sorted(manifest["files"]) == sorted(["README.md", f"{DATA_BASENAME}.jsonl",
                                                f"{DATA_BASENAME}.parquet", *rows[0]["media"]])

    card = (directory / "README.md").read_text()
    front: dict[str, Any] = yaml.safe_load(card.split("---")[1])
    assert {"name": "media", "list": "image"} in front["dataset_info"]["features"]
    for fact in ("K (answers per item): 2", "best of K", "Overlap (distinct annotators per "
                 "item): 9", "Annotator pool: open", "Aspects rated: none",
                 "pre-written by the researcher", "| `media` |", "| `judge_country` |"):
        assert fact in card
    monkeypatch.chdir(directory)  # media paths are relative to the release directory
    loaded = datasets.load_dataset(str(directory), split="train",
                                   cache_dir=str(tmp_path / "hf-cache"))
    assert isinstance(loaded.features["media"].feature, datasets.Image)
    assert loaded.num_rows == 2
    assert [image.size for image in loaded[0]["media"]] == [(96, 64), (96, 64)]
