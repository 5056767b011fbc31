"""Synthetic battles from a Bradley-Terry model with known strengths.

Shared by the tests (coverage, style recovery) and bench/ranking.py, so both exercise the
engine on data whose true ratings are known.
"""

from __future__ import annotations

import torch

from leaderboard.ranking.battles import BattleSet


def simulate_battles(
    theta: torch.Tensor,
    num_battles: int,
    seed: int,
    tie_rate: float = 0.0,
    features: torch.Tensor | None = None,
    coefficients: torch.Tensor | None = None,
) -> BattleSet:
    """Uniformly paired battles; A wins with probability sigmoid(theta_a - theta_b + x.beta).

    ``tie_rate`` turns that share of battles into ties regardless of strength, which leaves the
    ranking order intact but breaks the pure Bradley-Terry likelihood (used where only
    robustness, not coverage, is tested).
    """
    gen = torch.Generator().manual_seed(seed)
    n = theta.shape[0]
    if n < 2:
        raise ValueError("need at least two contenders")
    a = torch.randint(0, n, (num_battles,), generator=gen)
    b = (a + torch.randint(1, n, (num_battles,), generator=gen)) % n
    logit = theta[a] - theta[b]
    if features is not None and coefficients is not None:
        logit = logit + features @ coefficients
    a_wins = torch.rand(num_battles, generator=gen, dtype=torch.float64) < torch.sigmoid(logit)
    outcome = torch.where(a_wins, 0, 1)
    tie = torch.rand(num_battles, generator=gen, dtype=torch.float64) < tie_rate
    outcome = torch.where(tie, 2, outcome)
    models = [f"model-{k:02d}" for k in range(n)]
    return BattleSet.from_indices(models, a, b, outcome, features=features)
