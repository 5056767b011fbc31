"""Online Elo: the order-dependent running rating, kept as a secondary view.

Bradley-Terry is the leaderboard; online Elo shows how ratings moved as votes arrived, which is
what people expect from the word "Elo". It is a plain Python loop on purpose: each update needs
the previous one, and a million votes take about a second.
"""

from __future__ import annotations

import math

import torch

from leaderboard.ranking.battles import BattleSet, BothBad
from leaderboard.ranking.bradley_terry import battle_scores
from leaderboard.ranking.device import DTYPE


def online_elo(
    battles: BattleSet,
    *,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    init_rating: float = 1000.0,
    both_bad: BothBad = "tie",
) -> torch.Tensor:
    """Ratings after replaying the battles in order, FastChat's K=4 by default.

    A row with ``counts`` c is replayed c times in a row (fractional counts are rounded).
    """
    score, keep = battle_scores(battles.outcome.cpu(), both_bad)
    ratings = [init_rating] * battles.num_models
    alpha = math.log(base) / scale
    rows = zip(
        battles.model_a.cpu().tolist(),
        battles.model_b.cpu().tolist(),
        score.tolist(),
        keep.tolist(),
        battles.counts.cpu().round().to(torch.int64).tolist(),
        strict=True,
    )
    for a, b, s, kept, count in rows:
        if not kept or a == b:
            continue
        for _ in range(count):
            expected = 1.0 / (1.0 + math.exp(alpha * (ratings[b] - ratings[a])))
            update = k * (s - expected)
            ratings[a] += update
            ratings[b] -= update
    return torch.tensor(ratings, dtype=DTYPE)
