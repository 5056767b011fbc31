"""95% intervals cover the true strengths about 95% of the time on simulated votes."""

from __future__ import annotations

import math

import pytest
import torch

from leaderboard.ranking import rank_battles
from leaderboard.ranking.simulate import simulate_battles

ELO = 400 / math.log(10)
TRUE_THETA = torch.tensor([1.0, 0.6, 0.3, 0.0, -0.2, -0.5, -0.6, -0.9], dtype=torch.float64)


def coverage(ci: str, seeds: range, num_battles: int, **options: object) -> tuple[int, int]:
    truth = (TRUE_THETA - TRUE_THETA.mean()) * ELO + 1000.0
    hits = trials = 0
    for seed in seeds:
        battles = simulate_battles(TRUE_THETA, num_battles, seed=seed)
        result = rank_battles(battles, ci=ci, device="cpu", **options)  # type: ignore[arg-type]
        by_name = dict(zip(result.models, zip(result.lower, result.upper, strict=True), strict=True))
        for k, name in enumerate(battles.models):
            low, high = by_name[name]
            hits += int(low <= float(truth[k]) <= high)
            trials += 1
    return hits, trials


def within_binomial(hits: int, trials: int, p: float = 0.95, z: float = 3.5) -> bool:
    spread = z * math.sqrt(trials * p * (1 - p))
    return abs(hits - trials * p) <= spread


def test_it_covers_the_truth_with_sandwich_intervals() -> None:
    hits, trials = coverage("sandwich", range(100), 2000)
    assert within_binomial(hits, trials), f"{hits}/{trials}"


@pytest.mark.slow
def test_it_covers_the_truth_with_bootstrap_intervals() -> None:
    hits, trials = coverage("bootstrap", range(40), 2000, num_bootstrap=300)
    assert within_binomial(hits, trials), f"{hits}/{trials}"
