"""Building a release: what goes in, what stays out, and that the files reproduce themselves."""

from __future__ import annotations

import json
import re

import pytest

from leaderboard.ranking.__main__ import main as ranking_main
from leaderboard.ranking.io import read_battle_file
from releases.models import PseudonymScope
from releases.schema import FASTCHAT_FIELDS
from releases.verify import release_verify
from tests.releases.conftest import LEFT_OUT, PLANTED, World, all_text, person, tree_bytes

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
    # 12 plain battles + 1 with PII + 2 of the 4 repeated "what is 2+2" prompts (cap 2)
    assert len(rows) == 15
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


def test_it_names_private_contenders_by_placeholder(world: World) -> None:
    release = world.build()
    text = all_text(world.directory(release))
    assert "stealth" not in text.lower()
    rows = _rows(world, release)
    models = {row["model_a"] for row in rows} | {row["model_b"] for row in rows}
    assert models == {"alpha", "beta", "private-model-1"}
    assert release.counts["per_model"]["private-model-1"] == 8


def test_building_twice_gives_identical_files_and_checksums(world: World) -> None:
    release = world.build()
    first = tree_bytes(world.directory(release))
    checksum = release.manifest_sha256
    rebuilt = world.build(release)
    assert tree_bytes(world.directory(rebuilt)) == first
    assert rebuilt.manifest_sha256 == checksum


def test_pseudonyms_are_per_release_or_stable_as_the_policy_says(world: World) -> None:
    judges = [{r["judge"] for r in _rows(world, world.build())} for _ in range(2)]
    assert judges[0].isdisjoint(judges[1])
    world.policy.pseudonym_scope = PseudonymScope.STABLE
    world.policy.save()
    stable = [{r["judge"] for r in _rows(world, world.build())} for _ in range(2)]
    assert stable[0] == stable[1]


def test_demographics_appear_only_in_combinations_shared_by_k(world: World) -> None:
    for annotator in world.people[:2]:
        annotator.demographics_opt_in, annotator.age_band, annotator.country = True, "25-34", "FR"
        annotator.save()
    world.people[2].demographics_opt_in, world.people[2].country = True, "IS"
    world.people[2].save()
    rows = _rows(world, world.build())
    countries = {(r["judge_country"], r["judge_age_band"]) for r in rows}
    assert countries == {("FR", "25-34"), (None, None)}
    assert "IS" not in {r["judge_country"] for r in rows}


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
    assert ranking_main([str(directory / "battles.jsonl"), "--json", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out) == published["rows"]
    assert published["method"] == "bradley_terry" and published["params"]["ci"] == "sandwich"
    assert {row["model"] for row in published["rows"]} == {"alpha", "beta", "private-model-1"}
    assert release_verify(directory) == []


def test_the_fastchat_export_reads_with_the_ranking_engine(world: World) -> None:
    release = world.build()
    path = world.directory(release) / "fastchat" / "clean_battle.json"
    battles = json.loads(path.read_text())
    assert all(set(b) == set(FASTCHAT_FIELDS) for b in battles)
    assert {b["winner"] for b in battles} <= {"model_a", "model_b", "tie", "tie (bothbad)"}
    assert battles[0]["conversation_a"][0]["role"] == "user"
    assert read_battle_file(path).counts.sum().item() == len(battles) == 15


def test_the_dataset_card_tells_the_hugging_face_loader_where_the_data_is(world: World) -> None:
    import yaml

    release = world.build()
    card = (world.directory(release) / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    configs = {c["config_name"]: c["data_files"][0]["path"] for c in front["configs"]}
    assert configs == {"default": "battles.parquet", "fastchat": "fastchat/clean_battle.json"}
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
