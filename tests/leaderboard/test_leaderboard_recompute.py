from __future__ import annotations

import pytest
from django.db import connection

from battles.models import Arena, Generation
from battles.services import battle_start, generation_finish
from leaderboard.models import CategoryTag, LeaderboardSnapshot
from leaderboard.ranking import style_counts
from leaderboard.ranking.battles import BattleSet
from leaderboard.ranking.result import RankingResult
from leaderboard.selectors import leaderboard_latest
from leaderboard.services import leaderboard_recompute, recompute, triggers
from leaderboard.services.vote_table import SQL_STYLE_PATTERNS, SQL_WORD_COUNT, vote_table_load
from moderation.models import Exclusion, ExclusionReason
from tests.factories import annotator_create, arena_create, contender_create
from tests.leaderboard.conftest import Cast

pytestmark = pytest.mark.django_db


def _rows(arena: Arena, category: str = "overall", style: bool = False) -> list[dict]:
    snapshot = leaderboard_latest(arena=arena, category=category, style_control=style)
    assert snapshot is not None
    return snapshot.result["rows"]


def _three(cast: Cast, **fields: object) -> tuple:
    arena = arena_create(**fields)
    strong, middle, weak = (contender_create(arena=arena, name=n) for n in ("Strong", "Mid", "Weak"))
    cast(arena=arena, a=strong, b=middle, choice="a", n=30)
    cast(arena=arena, a=middle, b=strong, choice="b", n=25)
    cast(arena=arena, a=strong, b=middle, choice="b", n=5)
    cast(arena=arena, a=middle, b=weak, choice="a", n=30)
    cast(arena=arena, a=weak, b=middle, choice="a", n=8)
    cast(arena=arena, a=strong, b=weak, choice="tie", n=4)
    cast(arena=arena, a=strong, b=weak, choice="a", n=20)
    return arena, strong, middle, weak


def test_it_ranks_a_clearly_better_contender_first(cast: Cast) -> None:
    arena, strong, middle, weak = _three(cast)
    report = leaderboard_recompute(arena_id=arena.id)
    rows = _rows(arena)
    assert [r["name"] for r in rows] == ["Strong", "Mid", "Weak"]
    assert [r["contender_id"] for r in rows] == [strong.id, middle.id, weak.id]
    assert rows[0]["rank"] == 1 and rows[0]["lower"] < rows[0]["rating"] < rows[0]["upper"]
    assert sum(r["votes"] for r in rows) == 2 * report.num_votes == 2 * 122
    snapshot = leaderboard_latest(arena=arena, category="overall", style_control=False)
    assert snapshot is not None and snapshot.num_votes == 122 and snapshot.method == "bradley_terry"
    counts = snapshot.matrices["battle_count"]
    assert snapshot.matrices["contender_ids"] == [strong.id, middle.id, weak.id]
    assert counts[0][1] == 60 and counts[1][0] == 60 and counts[0][0] == 0
    assert snapshot.matrices["win_rate"][0][1] == pytest.approx(55 / 60, abs=1e-3)
    assert snapshot.matrices["win_rate"][0][0] is None


def test_it_gives_the_same_ratings_for_the_same_votes(cast: Cast) -> None:
    arena, *_ = _three(cast)
    leaderboard_recompute(arena_id=arena.id)
    first = _rows(arena)
    leaderboard_recompute(arena_id=arena.id)
    assert _rows(arena) == first


def test_it_leaves_out_side_by_side_and_invalid_votes_and_counts_them(cast: Cast) -> None:
    arena, strong, middle, weak = _three(cast)
    cast(arena=arena, a=weak, b=strong, choice="a", n=40, mode="side_by_side")
    invalid = cast(arena=arena, a=weak, b=strong, choice="a", n=15, is_valid=False)
    for vote in invalid[:5]:
        Exclusion.objects.create(battle_id=vote.battle_id, reason=ExclusionReason.IDENTITY_LEAK)
    for vote in invalid[5:7]:
        Exclusion.objects.create(battle_id=vote.battle_id, reason=ExclusionReason.BANNED)
    leaderboard_recompute(arena_id=arena.id)
    snapshot = leaderboard_latest(arena=arena, category="overall", style_control=False)
    assert snapshot is not None and snapshot.num_votes == 122
    assert snapshot.excluded == {"identity_leak": 5, "banned": 2, "other": 8, "side_by_side": 40}
    assert _rows(arena)[0]["name"] == "Strong"


def test_it_counts_both_bad_as_a_tie_unless_the_arena_drops_it(cast: Cast) -> None:
    for setting, expected_votes, excluded in (("tie", 20, None), ("drop", 10, 10)):
        arena = arena_create(settings={"both_bad": setting})
        x, y = contender_create(arena=arena), contender_create(arena=arena)
        cast(arena=arena, a=x, b=y, choice="a", n=6)
        cast(arena=arena, a=x, b=y, choice="b", n=4)
        cast(arena=arena, a=x, b=y, choice="both_bad", n=10)
        leaderboard_recompute(arena_id=arena.id)
        snapshot = leaderboard_latest(arena=arena, category="overall", style_control=False)
        assert snapshot is not None and snapshot.num_votes == expected_votes
        assert snapshot.params["both_bad"] == setting
        assert snapshot.excluded.get("both_bad") == excluded


def test_it_splits_votes_into_categories(cast: Cast) -> None:
    arena = arena_create()
    x, y, z = (contender_create(arena=arena, name=n) for n in ("X", "Y", "Z"))
    CategoryTag.objects.create(arena=arena, slug="coding", name="Coding", pattern="python, sql")
    cast(arena=arena, a=x, b=y, choice="a", n=6, prompts=("How do I sort a list in Python?",))
    cast(arena=arena, a=y, b=z, choice="a", n=5, prompts=("Wie spät ist es? Ich möchte "
                                                          "gerne wissen, wo der Bahnhof ist.",))
    cast(arena=arena, a=x, b=z, choice="b", n=4, prompts=("Explain the plan " * 40, "And then?"))
    report = leaderboard_recompute(arena_id=arena.id)
    assert set(report.categories) == {"overall", "english", "non_english", "multi_turn",
                                      "long_prompts", "coding"}
    votes = {
        s.category: s.num_votes
        for s in LeaderboardSnapshot.objects.filter(arena=arena, style_control=False)
    }
    assert votes == {"overall": 15, "english": 10, "non_english": 5, "multi_turn": 4,
                     "long_prompts": 4, "coding": 6}
    assert {r["name"] for r in _rows(arena, "coding")} == {"X", "Y"}
    assert report.snapshots == 12


def test_it_fits_style_control_on_the_answers(cast: Cast) -> None:
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    long_answer = "# Plan\n\n- **one** step\n- two steps\n\n" + "word " * 200
    cast(arena=arena, a=x, b=y, choice="a", n=30, answers=(long_answer, "Short."))
    cast(arena=arena, a=x, b=y, choice="b", n=10, answers=("Short.", long_answer))
    cast(arena=arena, a=x, b=y, choice="a", n=10, answers=("Short.", "Short too."))
    leaderboard_recompute(arena_id=arena.id)
    snapshot = leaderboard_latest(arena=arena, category="overall", style_control=True)
    assert snapshot is not None and snapshot.method == "bradley_terry_style"
    coefficients = {c["name"]: c["coefficient"] for c in snapshot.result["coefficients"]}
    assert set(coefficients) == {"length", "headers", "lists", "bold"}


def test_it_stores_nothing_for_an_arena_without_votes() -> None:
    arena = arena_create()
    report = leaderboard_recompute(arena_id=arena.id)
    assert report.snapshots == 0
    assert leaderboard_latest(arena=arena, category="overall", style_control=False) is None


@pytest.mark.parametrize("text", [
    "",
    "plain words here",
    "# Title\n## Sub\nnot # a header\n#nospace",
    "- one\n* two\n+ three\n1. four\n2) five\n  - nested\n-no",
    "**bold** and __also__ but **not\nacross** lines ***x***",
    "Mixed\t tabs  and\nnewlines\n\n\n- item **b**",
    "  very vivid, leading and trailing  \r\n\x0b\x0c ",
])
def test_its_sql_style_counts_match_the_engines(text: str) -> None:
    expected = style_counts(text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + SQL_WORD_COUNT.format(text="%s"), [text])
        assert cursor.fetchone()[0] == expected["length"]
        for name, (pattern, flags) in SQL_STYLE_PATTERNS.items():
            cursor.execute("SELECT regexp_count(%s, %s, 1, %s)", [text, pattern, flags])
            assert cursor.fetchone()[0] == expected[name], name


def test_a_finished_answer_keeps_its_style_counts() -> None:
    arena = arena_create()
    contender_create(arena=arena)
    contender_create(arena=arena)
    started = battle_start(arena=arena, annotator=annotator_create(), prompt="Hello")
    answer = "# Plan\n- **one**\n- two [1]"
    generation_finish(generation_id=started.generation_a.id, text=answer, time_to_first_token_ms=5,
                      duration_ms=10)
    assert Generation.objects.get(id=started.generation_a.id).style_counts == style_counts(answer)
    assert Generation.objects.get(id=started.generation_b.id).style_counts is None


def test_it_reads_stored_style_counts_and_measures_only_answers_without_them(cast: Cast) -> None:
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    answer = "# Plan\n\n- **one** step\n- two steps"
    cast(arena=arena, a=x, b=y, choice="a", n=2, answers=(answer, "Short."))
    stored = {"length": 99, "headers": 7, "lists": 5, "bold": 3, "citations": 0}
    marked = Generation.objects.filter(turn__battle__arena=arena, side="a").first()
    assert marked is not None
    Generation.objects.filter(id=marked.id).update(style_counts=stored)
    table = vote_table_load(arena_id=arena.id)
    measured = style_counts(answer)
    assert sorted(table.style_a.tolist()) == sorted(
        [[99, 7, 5, 3], [measured[k] for k in ("length", "headers", "lists", "bold")]]
    )
    assert table.style_b.tolist() == [[1, 0, 0, 0]] * 2


def test_the_migration_counts_answers_stored_before_counts_existed(cast: Cast) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("battles.migrations.0003_generation_style_counts")
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    cast(arena=arena, a=x, b=y, choice="a", n=3, answers=("- **a**", "b c"))
    migration.count_existing(apps, None)
    counted = Generation.objects.filter(turn__battle__arena=arena).values_list("side", "style_counts")
    assert sorted(counted) == [("a", style_counts("- **a**"))] * 3 + [("b", style_counts("b c"))] * 3


def test_the_plain_boards_show_before_the_style_controlled_fits(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new vote should wait for the fast plain fits, not the style-controlled ones: the plain
    boards are committed first, so a run that fails later still leaves them updated."""
    arena, *_ = _three(cast)

    plain_fits = recompute._fits

    def style_fits_fail(battles: BattleSet, *, style: bool,
                        options: recompute.RankingOptions) -> list[RankingResult]:
        if style:
            raise RuntimeError("a style-controlled fit failed")
        return plain_fits(battles, style=style, options=options)

    monkeypatch.setattr(recompute, "_fits", style_fits_fail)
    with pytest.raises(RuntimeError):
        leaderboard_recompute(arena_id=arena.id)
    plain = LeaderboardSnapshot.objects.filter(arena=arena, style_control=False)
    assert set(plain.values_list("category", flat=True)) >= {"overall"}
    assert not LeaderboardSnapshot.objects.filter(arena=arena, style_control=True).exists()
    monkeypatch.undo()
    report = leaderboard_recompute(arena_id=arena.id)
    assert report.plain_stored_after_s > 0
    assert leaderboard_latest(arena=arena, category="overall", style_control=True) is not None


def test_a_run_in_two_parts_gives_the_boards_of_one_run(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers run the plain part (what a new vote waits for) and then the style part; the
    two together store the same boards, with the same ratings, as one whole run."""
    arena, *_ = _three(cast)
    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(triggers, "recompute_queue",
                        lambda *, arena_id, part="plain", **_: queued.append((arena_id, part)))
    plain = triggers.leaderboard_recompute_exclusive(arena_id=arena.id)
    assert plain is not None and plain.style_due
    assert queued == [(arena.id, "style")], "the plain part queues the style part"
    assert not LeaderboardSnapshot.objects.filter(arena=arena, style_control=True).exists()
    style = triggers.leaderboard_recompute_exclusive(arena_id=arena.id, part="style")
    assert style is not None and not style.style_due and queued == [(arena.id, "style")]
    split = {(s.category, s.style_control, s.method): s.result["rows"]
             for s in LeaderboardSnapshot.objects.filter(arena=arena)}
    LeaderboardSnapshot.objects.filter(arena=arena).delete()
    leaderboard_recompute(arena_id=arena.id)
    whole = {(s.category, s.style_control, s.method): s.result["rows"]
             for s in LeaderboardSnapshot.objects.filter(arena=arena)}
    assert split.keys() == whole.keys() and any(style for _, style, _ in whole)
    for board, rows in whole.items():
        assert [r["rating"] for r in split[board]] == pytest.approx([r["rating"] for r in rows],
                                                                    rel=1e-9)
