"""A curated study exported through the release pipeline: built by the command, accepted by
the verifier, with the study's design in the card, and nobody in it who should not be."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from annotators.models import Annotator
from annotators.services.profile import annotator_data_delete
from releases.rows import Naming
from releases.schema import DATA_BASENAME
from releases.services import release_secret, releases_root
from releases.study_release import study_release_build
from releases.verify import main as verify_main
from releases.verify import release_verify
from studies.models import Study
from studies.services.assignment import slot_claim
from studies.services.judgement import judgement_submit
from tests.factories import annotator_create
from tests.studies.factories import study_ready

pytestmark = pytest.mark.django_db


def _judge_all(study: Study, person: Annotator, ranking: list[int],
               explanation: str = "") -> None:
    while (slot := slot_claim(study=study, annotator=person)) is not None:
        judgement_submit(slot_id=slot.pk, annotator=person, ranking=ranking,
                         explanation=explanation)


def test_a_study_release_builds_verifies_and_leaves_out_who_it_must() -> None:
    study = study_ready(items=2, k=3, overlap=4, vote_format="rank")
    alice, bob, deleted, declined = (annotator_create() for _ in range(4))
    for person in (alice, bob, deleted, declined):
        person.release_consent = True
        person.save()
    declined.release_consent = False
    declined.save()
    _judge_all(study, alice, [2, 0, 1], explanation="mail me at alice@example.org")
    _judge_all(study, bob, [2, 1, 0])
    _judge_all(study, deleted, [0, 1, 2])
    _judge_all(study, declined, [1, 0, 2])
    annotator_data_delete(annotator=deleted)

    call_command("release_build", study=study.slug)
    directory = releases_root() / "studies" / study.slug / "release-0001"
    assert release_verify(directory) == []
    assert verify_main([str(directory)]) == 0

    rows = pq.read_table(directory / f"{DATA_BASENAME}.parquet").to_pylist()
    assert len(rows) == 4  # alice's and bob's two items each
    naming_judges = {row["judge"] for row in rows}
    assert len(naming_judges) == 2
    naming = Naming(release_secret(), f"arena:{study.arena_id}")
    for person in (deleted, declined):
        assert naming.judge(person.pk) not in naming_judges
    assert {naming.judge(alice.pk), naming.judge(bob.pk)} == naming_judges
    first = rows[0]
    assert first["prewritten_prompt"] is True and first["k"] == 3
    assert first["ranking"] == [first["models"][2], first["models"][0], first["models"][1]]
    assert first["best"] == first["models"][2] and len(first["model_names"]) == 3
    assert "alice@example.org" not in (first["explanation"] or "")
    assert "[REDACTED_EMAIL]" in (first["explanation"] or "")

    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["release_kind"] == "study" and manifest["counts"]["judgements"] == 4
    assert manifest["counts"]["excluded"]["annotator_not_releasable"] == 4
    card = (directory / "README.md").read_text()
    for fact in ("K (answers per item): 3", "full ranking", "Overlap (distinct annotators per "
                 "item): 4", "Annotator pool: open", "pre-written by the researcher"):
        assert fact in card

    # Ids are stable: the next release of the same data has the same rows.
    again = study_release_build(study=study)
    assert again.name == "release-0002"
    assert pq.read_table(again / f"{DATA_BASENAME}.parquet").to_pylist() == rows


def test_the_verifier_catches_a_tampered_study_release() -> None:
    study = study_ready(items=1, k=2, overlap=1)
    person = annotator_create()
    person.release_consent = True
    person.save()
    _judge_all(study, person, [1])
    directory: Path = study_release_build(study=study)
    data = directory / f"{DATA_BASENAME}.jsonl"
    data.write_text(data.read_text().replace("Prompt 0", "Prompt 0 call +44 20 7946 0958"))
    failures = release_verify(directory)
    assert any("SHA-256" in f for f in failures)
