"""Best-of-K choices fit as top-1 Plackett-Luce: the chosen answer beats the others, whose order
is left unsaid. Known strengths are recovered within the intervals, where reading the rest as a
tie would pull them together."""

from __future__ import annotations

import math

import pytest
import torch

from leaderboard.ranking.api import rank_rankings
from leaderboard.ranking.battles import BattleDataError
from leaderboard.ranking.plackett_luce import Rankings

NAMES = ["a", "b", "c", "d", "e", "f"]
STRENGTH = torch.tensor([0.9, 0.4, 0.1, -0.1, -0.5, -0.8], dtype=torch.float64)
ELO = 400 / math.log(10)


def best_of_k(generator: torch.Generator, num: int) -> list[list[list[str]]]:
    """The best of 2-4 random answers by Gumbel-perturbed strength (exactly top-1 PL)."""
    out = []
    for _ in range(num):
        k = int(torch.randint(2, 5, (1,), generator=generator))
        items = torch.randperm(len(NAMES), generator=generator)[:k]
        gumbel = -torch.log(-torch.log(torch.rand(k, generator=generator, dtype=torch.float64)))
        best = int(items[int(torch.argmax(STRENGTH[items] + gumbel))])
        out.append([[NAMES[best]], [NAMES[int(i)] for i in items if int(i) != best]])
    return out


def _truth() -> dict[str, float]:
    return {n: 1000 + ELO * float(s - STRENGTH.mean()) for n, s in zip(NAMES, STRENGTH, strict=True)}


@pytest.mark.parametrize("ci", ["sandwich", "bootstrap"])
def test_best_of_k_recovers_known_strengths_within_its_intervals(ci: str) -> None:
    generator = torch.Generator().manual_seed(7)
    replicates = 40 if ci == "sandwich" else 8
    covered = total = 0
    for _ in range(replicates):
        rankings = Rankings.from_rankings(best_of_k(generator, 800), unordered_rest=True)
        result = rank_rankings(rankings, ci=ci, num_bootstrap=60, min_votes=0)  # type: ignore[arg-type]
        assert result.converged
        for model, low, up in zip(result.models, result.lower, result.upper, strict=True):
            covered += low <= _truth()[model] <= up
            total += 1
    print(f"top-1 Plackett-Luce {ci} coverage: {covered}/{total} = {covered / total:.3f}")
    assert 0.85 <= covered / total <= 1.0


def test_reading_the_rest_as_a_tie_would_shrink_the_spread() -> None:
    choices = best_of_k(torch.Generator().manual_seed(3), 3000)
    top1 = rank_rankings(Rankings.from_rankings(choices, unordered_rest=True), min_votes=0)
    tied = rank_rankings(Rankings.from_rankings(choices), min_votes=0)
    truth = _truth()
    spread = {fit: max(r) - min(r) for fit, r in (("top1", top1.ratings), ("tied", tied.ratings))}
    assert spread["tied"] < 0.8 * spread["top1"]
    assert abs(spread["top1"] - (max(truth.values()) - min(truth.values()))) < 0.15 * spread["top1"]


def test_with_two_answers_a_choice_is_a_full_ranking() -> None:
    choices = [c for c in best_of_k(torch.Generator().manual_seed(4), 2000) if len(c[1]) == 1]
    top1 = rank_rankings(Rankings.from_rankings(choices, unordered_rest=True), min_votes=0)
    full = rank_rankings(Rankings.from_rankings(choices), min_votes=0)
    assert top1.ratings == pytest.approx(full.ratings, rel=1e-9)
    assert top1.lower == pytest.approx(full.lower, rel=1e-7)


def test_a_partial_ranking_needs_a_choice_before_the_rest() -> None:
    with pytest.raises(BattleDataError, match="partial ranking"):
        Rankings.from_rankings([[["a", "b", "c"]]], unordered_rest=True)
