"""The ranking rows give exactly what the full join over votes, turns and answers gave, and
stay exact through invalidations, restorations and tag edits."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from battles.models import Arena, Vote
from battles.services import vote_submit
from leaderboard.categories import battle_categories, tag_rule
from leaderboard.models import CategoryTag, LeaderboardSnapshot, RankingRow
from leaderboard.services import leaderboard_recompute
from leaderboard.services.ranking_read import _ColumnBuffer, ranking_columns_load
from leaderboard.services.ranking_rows import CATEGORY_BITS, ranking_rows_fill, tag_flags_refresh
from leaderboard.services.vote_table import vote_table_load
from moderation.services.exclusions import exclusion_remove, exclusions_add
from tests.factories import annotator_create, arena_create, battle_ready, contender_create
from tests.leaderboard.conftest import Cast
from tests.leaderboard.ranking.tolerance import same_fit

pytestmark = pytest.mark.django_db

LONG_ANSWER = "# Plan\n\n- **one** step\n- two steps\n\n" + "word " * 120


def _mixed(cast: Cast) -> tuple[Arena, list[Vote]]:
    """Votes in every category, with styled answers, side-by-side, invalid and gold ones."""
    arena = arena_create()
    x, y, z = (contender_create(arena=arena, name=n) for n in ("X", "Y", "Z"))
    gold = contender_create(arena=arena, name="Gold", params={"gold_broken": True})
    CategoryTag.objects.create(arena=arena, slug="coding", name="Coding", pattern="python, sql")
    votes = [
        *cast(arena=arena, a=x, b=y, choice="a", n=12, prompts=("Sort a list in Python?",),
              answers=(LONG_ANSWER, "Short.")),
        *cast(arena=arena, a=y, b=z, choice="b", n=9,
              prompts=("Wie spät ist es? Ich möchte gerne wissen, wo der Bahnhof ist.",)),
        *cast(arena=arena, a=x, b=z, choice="tie", n=7, prompts=("Explain the plan " * 40,
                                                                 "And then?")),
        *cast(arena=arena, a=z, b=x, choice="both_bad", n=5, answers=("Short.", LONG_ANSWER)),
        *cast(arena=arena, a=y, b=x, choice="a", n=6, is_valid=False),
    ]
    cast(arena=arena, a=x, b=y, choice="b", n=4, mode="side_by_side")
    cast(arena=arena, a=gold, b=y, choice="b", n=3)
    return arena, votes


def _sorted_rows(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, *rest: np.ndarray) -> list:
    if not len(a):
        return []
    columns = [a, b, outcome, *(np.asarray(r).reshape(len(a), -1) for r in rest)]
    return sorted(tuple(float(x) for x in row) for row in np.column_stack(columns).tolist())


def _old_masks(arena: Arena) -> tuple[Any, dict[str, np.ndarray]]:
    table = vote_table_load(arena_id=arena.id, full_prompt=True)
    tags = [tag_rule(t.slug, t.pattern, is_regex=t.is_regex) for t in arena.tags.all()]
    found = [battle_categories(first_prompt=table.prompt_head[k], prompt_chars=int(
        table.prompt_chars[k]), turns=int(table.turns[k]), tags=tags) for k in range(len(table))]
    names = [*CATEGORY_BITS, *(t.slug for t in tags)]
    return table, {n: np.array([n in f for f in found], dtype=bool) for n in names}


def _assert_same_votes(arena: Arena) -> None:
    table, old_masks = _old_masks(arena)
    tag_flags_refresh(arena_id=arena.id)
    columns = ranking_columns_load(arena_id=arena.id)
    new_masks = columns.category_masks(list(arena.tags.all()))
    assert columns.excluded == table.excluded
    for name, old in old_masks.items():
        before = _sorted_rows(table.contender_a[old], table.contender_b[old], table.outcome[old],
                              table.style_a[old], table.style_b[old])
        new = new_masks[name]
        after = _sorted_rows(columns.contender_a[new], columns.contender_b[new],
                             columns.outcome[new], columns.style_a[new], columns.style_b[new])
        assert after == before, name


def _boards(arena: Arena) -> dict[tuple[str, bool], dict[str, Any]]:
    latest: dict[tuple[str, bool], dict[str, Any]] = {}
    for s in LeaderboardSnapshot.objects.filter(arena=arena).order_by("created_at", "id"):
        latest[(s.category, s.style_control)] = {
            "votes": s.num_votes, "excluded": s.excluded,
            "rows": {r["contender_id"]: r["rating"] for r in s.result["rows"]},
        }
    return latest


def _assert_same_boards(incremental: dict, scratch: dict) -> None:
    assert incremental.keys() == scratch.keys()
    for key, board in incremental.items():
        assert board["votes"] == scratch[key]["votes"], key
        assert board["excluded"] == scratch[key]["excluded"], key
        assert board["rows"].keys() == scratch[key]["rows"].keys(), key
        ids = sorted(board["rows"])
        assert [board["rows"][i] for i in ids] == same_fit([scratch[key]["rows"][i] for i in ids])


def _from_scratch(arena: Arena) -> dict:
    RankingRow.objects.filter(arena=arena).delete()
    CategoryTag.objects.filter(arena=arena).update(bit=None, flags_rule="")
    LeaderboardSnapshot.objects.filter(arena=arena).delete()
    leaderboard_recompute(arena_id=arena.id)
    return _boards(arena)


def test_it_reads_the_same_votes_as_the_full_join(cast: Cast) -> None:
    arena, _ = _mixed(cast)
    assert ranking_rows_fill(arena_id=arena.id) == 46
    assert ranking_rows_fill(arena_id=arena.id) == 0
    _assert_same_votes(arena)


def test_an_invalidation_and_a_restoration_match_a_recompute_from_scratch(cast: Cast) -> None:
    arena, votes = _mixed(cast)
    leaderboard_recompute(arena_id=arena.id)
    exclusions_add(battle_ids=[v.battle_id for v in votes[:10]], reason="identity_leak")
    exclusions_add(battle_ids=[v.battle_id for v in votes[25:28]], reason="banned")
    _assert_same_votes(arena)
    leaderboard_recompute(arena_id=arena.id)
    incremental = _boards(arena)
    assert incremental[("overall", False)]["votes"] == 33 - 13
    _assert_same_boards(incremental, _from_scratch(arena))

    for vote in votes[:4]:
        assert exclusion_remove(battle_id=vote.battle_id, reason="identity_leak")
    _assert_same_votes(arena)
    leaderboard_recompute(arena_id=arena.id)
    restored = _boards(arena)
    assert restored[("overall", False)]["votes"] == 33 - 9
    _assert_same_boards(restored, _from_scratch(arena))


def test_a_bulk_update_of_validity_reaches_the_rows(cast: Cast) -> None:
    arena, votes = _mixed(cast)
    ranking_rows_fill(arena_id=arena.id)
    Vote.objects.filter(id__in=[v.id for v in votes[:5]]).update(is_valid=False)
    assert RankingRow.objects.filter(vote_id__in=[v.id for v in votes[:5]], is_valid=True).count() == 0
    _assert_same_votes(arena)


def test_a_vote_gets_its_row_when_it_is_stored() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    vote = vote_submit(battle_id=battle.id, annotator=alice, choice="b",
                       idempotency_key="row-written-1")
    row = RankingRow.objects.get(vote=vote)
    assert (row.contender_a, row.contender_b, row.outcome) == (
        battle.contender_a_id, battle.contender_b_id, 1)
    assert row.is_valid and row.anonymous
    assert row.flags == CATEGORY_BITS["english"]
    assert row.style_a == [2, 0, 0, 0] and row.style_b == [2, 0, 0, 0]
    assert ranking_rows_fill(arena_id=battle.arena_id) == 0


def test_an_added_or_edited_tag_is_recomputed_before_it_is_fitted(cast: Cast) -> None:
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    cast(arena=arena, a=x, b=y, choice="a", n=5, prompts=("Write SQL for me",))
    cast(arena=arena, a=x, b=y, choice="b", n=3, prompts=("Write a poem",))
    leaderboard_recompute(arena_id=arena.id)
    tag = CategoryTag.objects.create(arena=arena, slug="coding", name="Coding", pattern="sql")
    leaderboard_recompute(arena_id=arena.id)
    assert _boards(arena)[("coding", False)]["votes"] == 5
    tag.pattern = "sql, poem"
    tag.save()
    leaderboard_recompute(arena_id=arena.id)
    assert _boards(arena)[("coding", False)]["votes"] == 8
    _assert_same_votes(arena)


def test_the_rows_carry_no_text() -> None:
    names = {f.name for f in RankingRow._meta.get_fields()}
    assert not names & {"prompt", "text", "rationale"}


def test_the_backfill_command_writes_missing_rows_once(cast: Cast) -> None:
    arena, _ = _mixed(cast)
    out = io.StringIO()
    call_command("ranking_rows_backfill", "--arena", arena.slug, "--tags", stdout=out)
    assert "46 rows written, tags refreshed: coding" in out.getvalue()
    call_command("ranking_rows_backfill", stdout=out)
    assert f"{arena.slug}: 0 rows written, tags refreshed: none" in out.getvalue()
    _assert_same_votes(arena)


def test_a_vote_saved_again_gets_its_row_rewritten(cast: Cast) -> None:
    arena, votes = _mixed(cast)
    ranking_rows_fill(arena_id=arena.id)
    vote = votes[0]
    vote.choice = "b"
    vote.is_valid = False
    vote.save()
    row = RankingRow.objects.get(vote=vote)
    assert (row.outcome, row.is_valid) == (1, False)
    _assert_same_votes(arena)


def test_the_column_buffer_keeps_every_block_in_order_when_it_grows() -> None:
    buffer = _ColumnBuffer(expected=0)
    blocks = [{"a": np.arange(k, k + 40_000), "style": np.full((40_000, 4), float(k))}
              for k in range(0, 200_000, 40_000)]
    for block in blocks:
        buffer.append(block)
    filled = buffer.filled()
    assert buffer.size == 200_000 and buffer.capacity >= 200_000
    np.testing.assert_array_equal(filled["a"], np.arange(200_000))
    np.testing.assert_array_equal(filled["style"][::40_000, 0], [0, 40_000, 80_000, 120_000, 160_000])
