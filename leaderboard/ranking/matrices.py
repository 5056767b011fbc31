"""Pairwise tables shown beside the leaderboard: how often each pair met and who won."""

from __future__ import annotations

import torch

from leaderboard.ranking.battles import BattleSet, BothBad
from leaderboard.ranking.bradley_terry import battle_scores
from leaderboard.ranking.device import DTYPE


def battle_count_matrix(battles: BattleSet, both_bad: BothBad = "tie") -> torch.Tensor:
    """Symmetric (n, n) count of battles between each pair, either side."""
    _, keep = battle_scores(battles.outcome, both_bad)
    keep &= battles.model_a != battles.model_b
    n = battles.num_models
    pair = battles.model_a[keep] * n + battles.model_b[keep]
    counts = torch.bincount(pair, weights=battles.counts[keep].to(DTYPE), minlength=n * n)
    table = counts.view(n, n)
    return table + table.T


def win_rate_matrix(battles: BattleSet, both_bad: BothBad = "tie") -> torch.Tensor:
    """(n, n) share of battles between row and column won by the row, ties counting half.

    NaN where two contenders never met, so a template can leave the cell blank instead of
    showing a misleading 0%.
    """
    score, keep = battle_scores(battles.outcome, both_bad)
    keep &= battles.model_a != battles.model_b
    n = battles.num_models
    a, b = battles.model_a[keep], battles.model_b[keep]
    weight = battles.counts[keep].to(DTYPE)
    won = torch.bincount(a * n + b, weights=weight * score[keep], minlength=n * n)
    won = won + torch.bincount(b * n + a, weights=weight * (1.0 - score[keep]), minlength=n * n)
    total = battle_count_matrix(battles, both_bad)
    rate = won.view(n, n) / total
    return torch.where(total > 0, rate, torch.full_like(rate, float("nan")))
