"""Behaviour of the Bradley-Terry leaderboard that an arena's users would notice."""

from __future__ import annotations

import json
import math
import random

import pytest
import torch

from leaderboard.ranking import (
    BattleDataError,
    BattleSet,
    battle_count_matrix,
    rank_battles,
    rank_online_elo,
    rank_records,
    win_rate_matrix,
)
from leaderboard.ranking.intervals import rank_with_uncertainty
from leaderboard.ranking.simulate import simulate_battles
from tests.leaderboard.ranking.tolerance import same_fit

THETA = torch.tensor([0.8, 0.4, 0.0, -0.3, -0.9], dtype=torch.float64)


def records(seed: int = 0, num: int = 3000) -> list[tuple[str, str, str]]:
    battles = simulate_battles(THETA, num, seed=seed, tie_rate=0.15)
    labels = ["model_a", "model_b", "tie", "tie (bothbad)"]
    out = []
    for a, b, o in zip(battles.model_a, battles.model_b, battles.outcome, strict=True):
        outcome = int(o)
        if outcome == 2 and random.Random(int(a) * 7 + int(b)).random() < 0.3:
            outcome = 3
        out.append((battles.models[int(a)], battles.models[int(b)], labels[outcome]))
    return out


def test_it_is_a_pure_function_of_the_votes() -> None:
    votes = records()
    shuffled = votes[:]
    random.Random(1).shuffle(shuffled)
    first, second = rank_records(votes), rank_records(shuffled)
    ours = dict(zip(first.models, first.ratings, strict=True))
    theirs = dict(zip(second.models, second.ratings, strict=True))
    assert ours.keys() == theirs.keys()
    for name, rating in ours.items():
        assert rating == same_fit(theirs[name])


def test_it_orders_contenders_by_true_strength() -> None:
    result = rank_records(records(num=20000))
    best_first = [row["model"] for row in result.rows()]
    assert best_first == [f"model-{k:02d}" for k in range(5)]


def test_it_accepts_both_spellings_of_winners() -> None:
    votes = records()
    ours = {"model_a": "a", "model_b": "b", "tie": "tie", "tie (bothbad)": "both_bad"}
    respelled = [(a, b, ours[w]) for a, b, w in votes]
    assert rank_records(votes).ratings == rank_records(respelled).ratings


def test_it_rejects_unknown_winners() -> None:
    with pytest.raises(BattleDataError, match="unknown winner 'draw'"):
        rank_records([("x", "y", "draw")])


def test_it_gives_the_same_result_for_aggregated_and_raw_votes() -> None:
    battles = BattleSet.from_records(records())
    raw = rank_battles(battles)
    merged = battles.aggregated()
    assert merged.num_rows < battles.num_rows
    assert merged.num_battles == battles.num_battles
    again = rank_battles(merged)
    assert raw.ratings == same_fit(again.ratings)
    assert raw.lower == same_fit(again.lower)


def test_it_counts_ties_as_half_a_win() -> None:
    # One tie and nothing else: the two must come out equal.
    result = rank_records([("x", "y", "tie")])
    assert result.ratings[0] == same_fit(result.ratings[1])
    # A wins once, then a tie: x is ahead, with the same rating FastChat's duplication gives,
    # i.e. a win share of 0.75 -> log-odds log(3) on the natural scale.
    result = rank_records([("x", "y", "model_a"), ("x", "y", "tie")])
    gap = (result.ratings[0] - result.ratings[1]) * math.log(10) / 400
    assert gap == pytest.approx(math.log(3), rel=1e-6)


def test_both_bad_as_tie_or_dropped() -> None:
    votes = [("x", "y", "model_a")] * 30 + [("x", "y", "model_b")] * 10
    votes += [("x", "y", "tie (bothbad)")] * 60
    as_tie = rank_records(votes, both_bad="tie")
    dropped = rank_records(votes, both_bad="drop")
    gap_tie = as_tie.ratings[0] - as_tie.ratings[1]
    gap_drop = dropped.ratings[0] - dropped.ratings[1]
    # Sixty ties pull the pair together; dropped, only the 30-10 record counts (odds 3).
    assert gap_tie < gap_drop
    assert gap_drop == pytest.approx(400 * math.log10(3), rel=1e-6)
    assert as_tie.rows()[0]["votes"] == dropped.rows()[0]["votes"] == 100


def test_a_contender_whose_votes_are_all_dropped_leaves_the_board() -> None:
    votes = [("x", "y", "model_a"), ("x", "y", "model_b"), ("x", "z", "both_bad")]
    assert rank_records(votes, both_bad="drop").models == ["x", "y"]
    assert rank_records(votes, both_bad="tie").models == ["x", "y", "z"]


def test_anchoring_sets_one_contender_and_shifts_everyone() -> None:
    votes = records()
    plain = rank_records(votes)
    anchored = rank_records(votes, anchor=("model-02", 1250.0))
    k = anchored.models.index("model-02")
    assert anchored.ratings[k] == pytest.approx(1250.0)
    shift = anchored.ratings[k] - plain.ratings[k]
    for before, after in zip(plain.upper, anchored.upper, strict=True):
        assert after - before == pytest.approx(shift)
    with pytest.raises(ValueError, match="nobody"):
        rank_records(votes, anchor=("nobody", 1000.0))


def test_default_scale_centres_ratings_at_1000() -> None:
    result = rank_records(records())
    assert sum(result.ratings) / len(result.ratings) == pytest.approx(1000.0)


def test_bootstrap_is_deterministic_given_a_seed() -> None:
    battles = BattleSet.from_records(records())
    first = rank_battles(battles, ci="bootstrap", num_bootstrap=200, seed=7)
    again = rank_battles(battles, ci="bootstrap", num_bootstrap=200, seed=7)
    other = rank_battles(battles, ci="bootstrap", num_bootstrap=200, seed=8)
    assert first.lower == again.lower and first.upper == again.upper
    assert first.lower != other.lower
    sandwich = rank_battles(battles)
    for k in range(len(first.models)):
        assert first.lower[k] < first.ratings[k] < first.upper[k]
        width = sandwich.upper[k] - sandwich.lower[k]
        assert first.upper[k] - first.lower[k] == pytest.approx(width, rel=0.25)


def test_rank_counts_only_clearly_better_contenders() -> None:
    lower = torch.tensor([10.0, 8.0, 1.0, 0.5])
    upper = torch.tensor([12.0, 11.0, 3.0, 2.0])
    assert rank_with_uncertainty(lower, upper).tolist() == [1, 1, 3, 3]


def test_reweighting_counts_every_pair_alike() -> None:
    # y-z was matched 20x more often than the pairs with x. Inverse-propensity weights make the
    # fit equal to one on a balanced sample with the same win shares; unweighted, it differs
    # because the three pairs disagree with any single set of ratings (x is 80% vs y, 60% vs z,
    # and y is 55% vs z).
    def pair(a: str, b: str, wins: int, losses: int) -> list[tuple[str, str, str]]:
        return [(a, b, "model_a")] * wins + [(a, b, "model_b")] * losses

    heavy = pair("x", "y", 80, 20) + pair("x", "z", 60, 40) + pair("y", "z", 1100, 900)
    balanced = pair("x", "y", 80, 20) + pair("x", "z", 60, 40) + pair("y", "z", 55, 45)
    plain = rank_records(heavy)
    weighted = rank_records(heavy, reweight=True, min_pair_count=1)
    reference = rank_records(balanced)
    assert weighted.params["reweight"] is True
    assert weighted.ratings == pytest.approx(reference.ratings, abs=1e-6)
    assert plain.ratings != pytest.approx(reference.ratings, abs=1.0)


def test_online_elo_replays_votes_in_order() -> None:
    result = rank_online_elo(BattleSet.from_records([("x", "y", "model_a")]), k=4.0)
    assert result.ratings == pytest.approx([1002.0, 998.0])
    result = rank_online_elo(BattleSet.from_records([("x", "y", "model_a"), ("x", "y", "model_b")]), k=32.0)
    expected_second = 1 / (1 + 10 ** ((1016 - 984) / 400))
    assert result.ratings[1] == pytest.approx(984 + 32 * (1 - expected_second))
    assert result.method == "online_elo"


def test_win_rate_and_count_matrices() -> None:
    battles = BattleSet.from_records(
        [("x", "y", "model_a"), ("y", "x", "model_a"), ("x", "y", "tie"), ("x", "z", "b")]
    )
    counts = battle_count_matrix(battles)
    assert counts.tolist() == [[0, 3, 1], [3, 0, 0], [1, 0, 0]]
    rates = win_rate_matrix(battles)
    assert rates[0, 1] == pytest.approx(0.5)
    assert rates[2, 0] == pytest.approx(1.0)
    assert math.isnan(rates[1, 2])


def test_result_is_json_ready() -> None:
    result = rank_records(records(), reweight=True)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["method"] == "bradley_terry"
    assert data["device"] == "cpu"
    first = data["rows"][0]
    assert set(first) >= {"model", "rating", "lower", "upper", "rank", "votes"}
    assert first["rank"] == 1
    assert sum(row["votes"] for row in data["rows"]) == 2 * 3000


def test_cpu_is_the_fallback_device_and_can_be_forced() -> None:
    battles = BattleSet.from_records(records())
    assert rank_battles(battles, device="cpu").device == "cpu"
    if not torch.cuda.is_available():
        assert rank_battles(battles).device == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu() -> None:
    battles = BattleSet.from_records(records())
    for ci in ("sandwich", "bootstrap"):
        cpu = rank_battles(battles, ci=ci, num_bootstrap=100, device="cpu")
        gpu = rank_battles(battles, ci=ci, num_bootstrap=100, device="cuda")
        assert gpu.ratings == pytest.approx(cpu.ratings, abs=1e-4)
        assert gpu.lower == pytest.approx(cpu.lower, abs=1e-4)


def test_string_columns_rank_like_records() -> None:
    votes = records()
    columns = [list(column) for column in zip(*votes, strict=True)]
    battles = BattleSet.from_columns(columns[0], columns[1], columns[2])
    assert battles.models == list(dict.fromkeys(columns[0] + columns[1]))
    from_columns = dict(zip(battles.models, rank_battles(battles).ratings, strict=True))
    expected = rank_records(votes)
    assert from_columns == same_fit(dict(zip(expected.models, expected.ratings, strict=True)))
    with pytest.raises(BattleDataError, match="unknown winner 'draw'"):
        BattleSet.from_columns(["x", "y"], ["y", "x"], ["model_a", "draw"])
