"""Building a release: what goes in, what stays out, and that the files reproduce themselves."""

from __future__ import annotations

import json
import re

import pytest

from leaderboard.ranking.__main__ import main as ranking_main
from leaderboard.ranking.io import read_battle_file
from releases.schema import FASTCHAT_FIELDS
from releases.verify import release_verify
from tests.releases.conftest import (
    LEFT_OUT,
    PLANTED,
    World,
    all_text,
    battle_voted,
    person,
    tree_bytes,
)

pytestmark = pytest.mark.django_db


def _rows(world: World, release: object) -> list[dict[str, object]]:
    path = world.directory(release) / "battles.jsonl"  # type: ignore[arg-type]
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_it_leaves_out_what_must_not_be_released(world: World) -> None:
    release = world.build()
    text = all_text(world.directory(release))
    for marker in LEFT_OUT:
        assert marker not in text
    rows = _rows(world, release)

    assert len(rows) == 7  # 4 plain battles without the private model, 1 with PII, 2 of 4 capped
    assert release.counts["down_sampled"] == 2
    assert all(row["anony"] for row in rows)


def test_it_scrubs_planted_personal_data_and_annotator_ids(world: World) -> None:
    release = world.build()
    text = all_text(world.directory(release))
    for planted in PLANTED:
        assert planted not in text
    for annotator in world.people + world.left_out:
        assert str(annotator.id) not in text
        assert annotator.id.hex not in text
    for marker in ("[REDACTED_NAME]", "[REDACTED_EMAIL]", "[REDACTED_PHONE]", "[REDACTED_CARD]",
                   "[REDACTED_ADDRESS]", "[REDACTED_IP]"):
        assert marker in text
    assert all(re.fullmatch(r"judge-[0-9a-f]{20}", str(row["judge"])) for row in _rows(world, release))


def test_it_withholds_private_contenders_and_counts_them(world: World) -> None:
    release = world.build()
    text = all_text(world.directory(release))
    assert "stealth" not in text.lower() and "private-model" not in text
    rows = _rows(world, release)
    assert {row["model_a"] for row in rows} | {row["model_b"] for row in rows} == {"alpha", "beta"}
    # 8 of the 12 plain battles involve the private contender
    assert release.counts["excluded"]["private_contender"] == 8
    assert release.counts["excluded"]["side_by_side"] == 1
    assert release.counts["excluded"]["invalidated_vote"] == 1
    assert release.counts["excluded"]["annotator_not_releasable"] == 4


def test_it_releases_display_names_and_slugs_exactly_as_registered(world: World) -> None:
    world.alpha.name = "claude-2.0 (Anthropic)"
    world.alpha.save()
    release = world.build()
    rows = _rows(world, release)
    assert {(r["model_a"], r["model_a_name"]) for r in rows} == {("alpha", "claude-2.0 (Anthropic)")}
    manifest = json.loads((world.directory(release) / "manifest.json").read_text())
    assert manifest["models"] == {"alpha": "claude-2.0 (Anthropic)", "beta": "Beta"}


def test_building_twice_gives_identical_files_and_checksums(world: World) -> None:
    release = world.build()
    first = tree_bytes(world.directory(release))
    checksum = release.manifest_sha256
    rebuilt = world.build(release)
    assert tree_bytes(world.directory(rebuilt)) == first
    assert rebuilt.manifest_sha256 == checksum


def test_demographics_appear_only_in_combinations_shared_by_k(world: World) -> None:
    crowd = [person(demographics_opt_in=True, age_band="25-34", country="FR") for _ in range(5)]
    for k, annotator in enumerate(crowd):
        battle_voted(arena=world.arena, annotator=annotator, a=world.alpha, b=world.beta,
                     prompt=f"Crowd question {k}")
    world.people[2].demographics_opt_in, world.people[2].country = True, "IS"
    world.people[2].save()
    rows = _rows(world, world.build())
    countries = {(r["judge_country"], r["judge_age_band"]) for r in rows}
    assert countries == {("FR", "25-34"), (None, None)}


def test_k_cannot_be_set_below_the_floor(world: World) -> None:
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    world.policy.k_anonymity = 1
    with pytest.raises(ValidationError):
        world.policy.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        world.policy.save()


def test_a_data_deletion_removes_the_person_from_the_next_release(world: World) -> None:
    first = world.build()
    assert any("Question number 0" in json.dumps(r) for r in _rows(world, first))
    gone = world.people[0]
    gone.release_consent = False
    gone.save()
    later = world.build()
    assert not any("Question number 0" in json.dumps(r) for r in _rows(world, later))
    assert later.counts["annotators"] == 2


def test_the_leaderboard_recomputes_from_the_release_files_alone(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    release = world.build()
    directory = world.directory(release)
    published = json.loads((directory / "leaderboard.json").read_text())
    assert ranking_main([str(directory / "battles.parquet"), "--json", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out) == published["rows"]
    assert published["method"] == "bradley_terry" and published["params"]["ci"] == "sandwich"
    assert {row["model"] for row in published["rows"]} == {"alpha", "beta"}
    assert release_verify(directory) == []


def test_the_fastchat_export_reads_with_the_ranking_engine(world: World) -> None:
    release = world.build()
    path = world.directory(release) / "fastchat" / "clean_battle.json"
    battles = json.loads(path.read_text())
    assert all(set(b) == set(FASTCHAT_FIELDS) for b in battles)
    assert {b["winner"] for b in battles} <= {"model_a", "model_b", "tie", "tie (bothbad)"}
    assert battles[0]["conversation_a"][0]["role"] == "user"
    assert read_battle_file(path).counts.sum().item() == len(battles) == 7


def test_the_dataset_card_tells_the_hugging_face_loader_where_the_data_is(world: World) -> None:
    import yaml

    release = world.build()
    card = (world.directory(release) / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    configs = {c["config_name"]: c["data_files"][0]["path"] for c in front["configs"]}
    assert configs == {"default": "battles.parquet"}
    manifest = json.loads((world.directory(release) / "manifest.json").read_text())
    assert set(manifest["files"]) == {"README.md", "battles.jsonl", "battles.parquet",
                                      "fastchat/clean_battle.json", "leaderboard.json"}
    assert "built_at" not in json.dumps(manifest)


def test_an_arena_with_nothing_to_release_builds_an_empty_but_valid_release(world: World) -> None:
    world.policy.delay_days = 365
    world.policy.save()
    person()
    release = world.build()
    assert release.counts["battles"] == 0
    assert release_verify(world.directory(release)) == []
