"""Stored release rows (releases.fragments): made once, spliced per release, remade when what
they were made from changes, and never a way for stale content into a release."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from battles.models import Battle, Contender, VoteFeedback
from releases import fragments
from releases.assembly import release_content
from releases.models import RowFragment
from releases.reading import battles_content
from releases.rows import Naming, battle_row
from releases.services import release_rows_prepare
from releases.sources import battles_releasable
from tests.releases.conftest import World, tree_bytes

pytestmark = pytest.mark.django_db


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "battles.jsonl").read_text().splitlines()]


def _released(world: World, cutoff: Any) -> Any:
    """The battles a release holds before the cap: releasable, private model left out."""
    return (battles_releasable(arena=world.arena, cutoff=cutoff)
            .exclude(contender_a=world.secret_model).exclude(contender_b=world.secret_model))


def _naming(world: World) -> Naming:
    return Naming(secret="test-only-release-secret", scope=f"arena:{world.arena.id}")


def test_a_spliced_line_is_the_whole_row_serialized_in_schema_order(world: World) -> None:
    release = world.build()
    directory = world.directory(release)
    rows = _rows(directory)
    names = pq.read_schema(directory / "battles.parquet").names
    assert rows and all(list(row) == names for row in rows)
    by_id = {row["question_id"]: row for row in rows}
    naming = _naming(world)
    released = Battle.objects.filter(release_fragment__question_id__in=list(by_id))
    for battle in battles_content(released, kind="text"):
        whole = battle_row(battle, "text", naming, media=lambda _t, _s: None)
        row = by_id[whole["question_id"]]
        assert {k: v for k, v in row.items() if k in whole} == whole


def test_a_second_build_reads_stored_rows_and_gives_the_same_bytes(world: World) -> None:
    first = world.build()
    files = tree_bytes(world.directory(first))
    stored = {f.battle_id: f.version for f in RowFragment.objects.all()}
    assert stored
    made = fragments.fragments_fill(_released(world, first.cutoff), kind="text",
                                    naming=_naming(world))
    assert made == 0
    rebuilt = world.build(first)
    assert tree_bytes(world.directory(rebuilt)) == files
    assert {f.battle_id: f.version for f in RowFragment.objects.all()} == stored


def test_a_change_to_the_row_code_or_secret_remakes_every_fragment(world: World, settings: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    release = world.build()
    rows = _rows(world.directory(release))
    before = set(RowFragment.objects.values_list("version", flat=True))
    monkeypatch.setattr(fragments, "_code_digest", lambda: b"a fixed redactor")
    world.build(release)
    after = set(RowFragment.objects.values_list("version", flat=True))
    assert len(before) == len(after) == 1 and before != after
    settings.RELEASE_PSEUDONYM_SECRET = "another-secret"
    rows_new_secret = _rows(world.directory(world.build(release)))
    assert {r["judge"] for r in rows_new_secret}.isdisjoint({r["judge"] for r in rows})
    assert len(set(RowFragment.objects.values_list("version", flat=True))) == 1


def test_names_are_the_registered_ones_at_build_time(world: World) -> None:
    release = world.build()
    Contender.objects.filter(pk=world.alpha.pk).update(name="Alpha 2 (renamed)")
    rows = _rows(world.directory(world.build(release)))
    names = {row["model_a_name"] for row in rows if row["model_a"] == "alpha"}
    assert names == {"Alpha 2 (renamed)"}
    manifest = json.loads((world.directory(release) / "manifest.json").read_text())
    assert manifest["models"]["alpha"] == "Alpha 2 (renamed)"


def test_feedback_after_the_vote_remakes_the_row(world: World) -> None:
    release = world.build()
    battle = Battle.objects.filter(release_fragment__isnull=False).select_related("vote").first()
    assert battle is not None
    VoteFeedback.objects.create(vote=battle.vote, text="Great, thanks")
    assert not RowFragment.objects.filter(battle=battle).exists()
    remade = fragments.fragments_fill(_released(world, release.cutoff), kind="text",
                                      naming=_naming(world))
    assert remade == 1


def test_prepare_makes_ahead_what_the_build_then_only_splices(world: World) -> None:
    made = release_rows_prepare(limit=5)
    assert made == 5
    assert release_rows_prepare() > 0
    assert release_rows_prepare() == 0
    with CaptureQueriesContext(connection) as queries:
        world.build()
    upserts = [q for q in queries.captured_queries if "releases_rowfragment" in q["sql"]
               and q["sql"].lstrip().upper().startswith("INSERT")]
    assert upserts == []


def test_prepare_does_nothing_without_a_secret(world: World, settings: Any) -> None:
    settings.RELEASE_PSEUDONYM_SECRET = ""
    assert release_rows_prepare() == 0
    assert not RowFragment.objects.exists()


def test_release_content_matches_the_built_file(world: World) -> None:
    release = world.build()
    built = _rows(world.directory(release))
    content = release_content(battles=_released(world, release.cutoff), kind="text", naming=_naming(world),
                              max_per_prompt=world.policy.max_per_prompt, k_anonymity=5)
    assert content == built



def test_a_data_deletion_drops_the_persons_stored_rows_at_once(world: World) -> None:
    from annotators.services.profile import annotator_data_delete

    world.build()
    person = world.people[0]
    assert RowFragment.objects.filter(battle__annotator=person).exists()
    annotator_data_delete(annotator=person)
    assert not RowFragment.objects.filter(battle__annotator=person).exists()
    assert RowFragment.objects.filter(battle__annotator=world.people[1]).exists()


def test_prepare_drops_stored_rows_of_battles_no_longer_releasable(world: World) -> None:
    from moderation.services.exclusions import exclusions_add

    assert release_rows_prepare() > 0
    excluded = RowFragment.objects.filter(battle__annotator=world.people[1]).first()
    assert excluded is not None
    exclusions_add(battle_ids=[excluded.battle_id], reason="identity_leak")
    world.people[2].release_consent = False
    world.people[2].save()
    release_rows_prepare()
    assert not RowFragment.objects.filter(battle_id=excluded.battle_id).exists()
    assert not RowFragment.objects.filter(battle__annotator=world.people[2]).exists()
    assert RowFragment.objects.filter(battle__annotator=world.people[0]).exists()


def test_a_row_dropped_or_stale_after_the_fill_is_made_during_the_build(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from releases import assembly

    expected = _rows(world.directory(world.build()))
    RowFragment.objects.filter(battle__annotator=world.people[0]).delete()
    RowFragment.objects.filter(battle__annotator=world.people[1]).update(version="an older worker")
    monkeypatch.setattr(assembly, "fragments_fill", lambda *_a, **_k: 0)  # as if after the fill
    assert _rows(world.directory(world.build(world.policy.releases.get()))) == expected
    assert set(RowFragment.objects.values_list("version", flat=True)) == {
        fragments.fragment_version(_naming(world), "text")}
