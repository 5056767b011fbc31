"""Plackett-Luce recovers known strengths from K-way rankings and is Bradley-Terry at K = 2."""

from __future__ import annotations

import math

import pytest
import torch

from leaderboard.ranking import BattleSet, rank_battles
from leaderboard.ranking.api import rank_rankings
from leaderboard.ranking.battles import BattleDataError
from leaderboard.ranking.methods import REGISTERED, FitOptions, UnknownMethod, method_get
from leaderboard.ranking.plackett_luce import Rankings
from tests.leaderboard.ranking.tolerance import same_fit

NAMES = ["a", "b", "c", "d", "e", "f"]
STRENGTH = torch.tensor([0.8, 0.4, 0.1, -0.1, -0.5, -0.7], dtype=torch.float64)
ELO = 400 / math.log(10)


def simulate(generator: torch.Generator, num: int) -> list[list[list[str]]]:
    """Rankings of 2-4 random contenders, ordered by Gumbel-perturbed strength (exact PL)."""
    out = []
    for _ in range(num):
        k = int(torch.randint(2, 5, (1,), generator=generator))
        items = torch.randperm(len(NAMES), generator=generator)[:k]
        gumbel = -torch.log(-torch.log(torch.rand(k, generator=generator, dtype=torch.float64)))
        order = items[torch.argsort(STRENGTH[items] + gumbel, descending=True)]
        out.append([[NAMES[int(i)]] for i in order])
    return out


@pytest.mark.parametrize("ci", ["sandwich", "bootstrap"])
def test_it_recovers_known_strengths_within_its_intervals(ci: str) -> None:
    generator = torch.Generator().manual_seed(11)
    replicates = 40 if ci == "sandwich" else 10
    covered = total = 0
    for _ in range(replicates):
        result = rank_rankings(Rankings.from_rankings(simulate(generator, 600)), ci=ci,  # type: ignore[arg-type]
                               num_bootstrap=60, min_votes=0)
        assert result.converged
        truth = {n: 1000 + ELO * float(s - STRENGTH.mean()) for n, s in zip(NAMES, STRENGTH, strict=True)}
        for model, low, up in zip(result.models, result.lower, result.upper, strict=True):
            covered += low <= truth[model] <= up
            total += 1
    print(f"Plackett-Luce {ci} coverage: {covered}/{total} = {covered / total:.3f}")
    assert 0.85 <= covered / total <= 1.0


def test_with_two_items_it_agrees_with_bradley_terry() -> None:
    generator = torch.Generator().manual_seed(5)
    a = torch.randint(0, 5, (2000,), generator=generator)
    b = (a + torch.randint(1, 5, (2000,), generator=generator)) % 5
    battles = BattleSet.from_indices(list("vwxyz"), a, b, torch.randint(0, 4, (2000,), generator=generator))
    for both_bad in ("tie", "drop"):
        bt = rank_battles(battles, both_bad=both_bad)
        pl = method_get("plackett_luce").fit(battles, FitOptions(both_bad=both_bad))
        order = [pl.models.index(m) for m in bt.models]
        assert [pl.ratings[k] for k in order] == pytest.approx(bt.ratings, rel=1e-9)
        assert [pl.lower[k] for k in order] == pytest.approx(bt.lower, rel=1e-7)
        assert [pl.upper[k] for k in order] == pytest.approx(bt.upper, rel=1e-7)


def test_it_accepts_ties_and_counts() -> None:
    rankings = Rankings.from_rankings(
        [[["a"], ["b", "c"]], [["c"], ["a"], ["b"]], [["b"], ["c", "a"]], [["a", "b", "c"]]] * 10,
        counts=[1, 2, 1, 1] * 10,
    )
    assert len(rankings.groups) == 4 and sum(rankings.counts) == 50
    result = rank_rankings(rankings)
    assert result.converged and all(r is not None for r in result.rank)
    twice = rank_rankings(Rankings(rankings.models, rankings.groups, [2 * c for c in rankings.counts]))
    assert twice.ratings == same_fit(result.ratings)


@pytest.mark.parametrize(
    "bad",
    [[[["a"]]], [[["a"], ["b"], ["c"], ["d"], ["e"]]], [[["a"], ["a"]]], [[["a"], []]], [[["a"], [""]]]],
    ids=["one-item", "five-items", "repeated", "empty-group", "empty-name"],
)
def test_it_refuses_malformed_rankings(bad: list[list[list[str]]]) -> None:
    with pytest.raises(BattleDataError):
        Rankings.from_rankings(bad)


def test_it_marks_a_contender_that_always_comes_first() -> None:
    rankings = Rankings.from_rankings([[["top"], ["b"], ["c"]], [["top"], ["c"], ["b"]]] * 10)
    rows = {r["model"]: r for r in rank_rankings(rankings).rows()}
    assert rows["top"]["flags"] == ["unbeaten"] and rows["top"]["rank"] is None


def test_every_registered_method_fits_the_same_battles() -> None:
    generator = torch.Generator().manual_seed(2)
    a = torch.randint(0, 4, (400,), generator=generator)
    b = (a + torch.randint(1, 4, (400,), generator=generator)) % 4
    features = torch.randn(400, 2, generator=generator, dtype=torch.float64)
    battles = BattleSet.from_indices(list("wxyz"), a, b, torch.randint(0, 3, (400,), generator=generator),
                                     features=features)
    for name in REGISTERED:
        result = method_get(name).fit(battles, FitOptions())
        assert result.method == name and result.converged
        assert sorted(result.models) == list("wxyz")
    with pytest.raises(UnknownMethod, match="bradley_terry"):
        method_get("elo_magic")
