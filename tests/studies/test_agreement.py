"""Agreement statistics against hand-computed and published values."""

from __future__ import annotations

import pytest

from studies.agreement import (
    implied_pairs,
    krippendorff_alpha_nominal,
    krippendorff_alpha_ranks,
    leave_one_out_agreement,
    ranking_units,
)


def test_alpha_on_a_hand_computed_example() -> None:
    # Units (a, a), (a, b), (b, b): coincidences o_aa = 2, o_ab = o_ba = 1, o_bb = 2, so
    # n_a = n_b = 3, n = 6, and alpha = 1 - (6 - 1) * 2 / (2 * 3 * 3) = 1 - 10/18 = 4/9.
    units = {1: ["a", "a"], 2: ["a", "b"], 3: ["b", "b"]}
    assert krippendorff_alpha_nominal(units) == pytest.approx(4 / 9)


def test_alpha_matches_krippendorffs_published_nominal_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", 4 observers x 12
    # units with missing values; nominal alpha = 0.743.
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = {u: [row[u] for row in rows if row[u] is not None] for u in range(12)}
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=0.0005)


def test_rank_alpha_on_a_hand_computed_pair_of_rankings() -> None:
    # Two annotators rank three answers [0, 1, 2] and [0, 2, 1]: answer 0 gets ranks (1, 1),
    # answer 1 (2, 3), answer 2 (3, 2). o_11 = 2, o_23 = o_32 = 2; n_1 = n_2 = n_3 = 2, n = 6.
    # Interval: observed 2 * 2 * 1 = 4, expected 4 * (1 + 1 + 4 + 4 + 1 + 1) = 48,
    # alpha = 1 - 5 * 4 / 48 = 7/12. Ordinal: d_23 = (4 - 2)^2 = 4, d_12 = 4, d_13 = (6 - 2)^2
    # = 16: observed 16, expected 4 * (4 * 4 + 2 * 16) = 192, alpha = 1 - 5 * 16 / 192 = 7/12.
    units = ranking_units([("q", [0, 1, 2]), ("q", [0, 2, 1])])
    assert units == {("q", 0): [1, 1], ("q", 1): [2, 3], ("q", 2): [3, 2]}
    assert krippendorff_alpha_ranks(units, metric="interval") == pytest.approx(7 / 12)
    assert krippendorff_alpha_ranks(units, metric="ordinal") == pytest.approx(7 / 12)
    assert krippendorff_alpha_ranks(ranking_units([("q", [0, 1, 2])] * 2)) == pytest.approx(1.0)


def test_rank_alpha_matches_krippendorffs_published_ordinal_and_interval_values() -> None:
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = {u: [v for row in rows if (v := row[u]) is not None] for u in range(12)}
    assert krippendorff_alpha_ranks(units, metric="ordinal") == pytest.approx(0.815, abs=0.0005)
    assert krippendorff_alpha_ranks(units, metric="interval") == pytest.approx(0.849, abs=0.0005)


def test_alpha_is_undefined_without_pairable_or_varying_values() -> None:
    assert krippendorff_alpha_nominal({1: ["a"], 2: ["b"]}) is None
    assert krippendorff_alpha_nominal({1: ["a", "a"], 2: ["a", "a"]}) is None
    assert krippendorff_alpha_nominal({1: ["a", "b"], 2: ["b", "a"]}) == pytest.approx(-0.5)


def test_leave_one_out_flags_the_annotator_who_disagrees() -> None:
    choices = []
    for item in range(6):
        choices += [(item, "alice", 0), (item, "bob", 0), (item, "carol", 0), (item, "dan", 1)]
    result = {row.annotator: row for row in leave_one_out_agreement(choices, chance=0.5)}
    assert result["alice"].rate == 1.0 and not result["alice"].outlier
    assert result["dan"].rate == 0.0 and result["dan"].outlier


def test_a_tie_among_the_others_counts_its_share() -> None:
    choices = [(1, "alice", 0), (1, "bob", 0), (1, "carol", 1)]
    result = {row.annotator: row for row in leave_one_out_agreement(choices, chance=0.5)}
    assert result["carol"].agreed == 0.0 and result["alice"].agreed == 0.5


def test_implied_pairs() -> None:
    assert implied_pairs([2, 0, 1], 3) == [(2, 0), (2, 1), (0, 1)]
    assert implied_pairs([1], 3) == [(1, 0), (1, 2)]
    assert implied_pairs([], 3) == []
