"""Plain fits run on one CPU thread (small tensors after aggregation); the caller's setting
is restored, and style-controlled fits keep every thread."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import leaderboard.ranking.api as api
from leaderboard.ranking import BattleSet, rank_battles


def _battles(style: bool) -> BattleSet:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 400)
    b = (a + rng.integers(1, 5, 400)) % 5
    outcome = rng.integers(0, 3, 400)
    features = rng.normal(size=(400, 2)) if style else None
    return BattleSet.from_indices([f"m{k}" for k in range(5)], a, b, outcome,
                                  features=features, feature_names=("x", "y") if style else None)


@pytest.mark.parametrize(("style", "inside"), [(False, 1), (True, 2)])
def test_threads_during_a_fit(monkeypatch: pytest.MonkeyPatch, style: bool, inside: int) -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen: list[int] = []
    real = api.contender_support

    def spy(*args: object, **kwargs: object) -> list[list[str]]:
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "contender_support", spy)
    try:
        rank_battles(_battles(style), style=style, device="cpu")
        assert seen == [inside]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
