"""Style control recovers a planted preference for longer answers."""

from __future__ import annotations

import math

import pytest
import torch

from leaderboard.ranking import BattleSet, rank_battles, rank_records, style_counts, style_features
from leaderboard.ranking.simulate import simulate_battles
from tests.leaderboard.ranking.tolerance import same_fit

THETA = torch.tensor([0.5, 0.2, 0.0, -0.2, -0.5], dtype=torch.float64)
LENGTH_BONUS = 2.0


def biased_battles(seed: int = 0, num: int = 40000) -> tuple[BattleSet, torch.Tensor]:
    """Model 4 writes long answers and voters reward length by LENGTH_BONUS log-odds."""
    gen = torch.Generator().manual_seed(seed + 1_000_003)  # independent of the votes
    base = simulate_battles(THETA, num, seed=seed)
    verbosity = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0], dtype=torch.float64)
    length_a = torch.rand(num, generator=gen, dtype=torch.float64) + 2 * verbosity[base.model_a]
    length_b = torch.rand(num, generator=gen, dtype=torch.float64) + 2 * verbosity[base.model_b]
    length = (length_a - length_b) / (length_a + length_b)
    noise = torch.randn(num, 2, generator=gen, dtype=torch.float64)
    features = torch.cat([length[:, None], noise], dim=1)
    coefficients = torch.tensor([LENGTH_BONUS, 0.0, 0.0], dtype=torch.float64)
    battles = simulate_battles(THETA, num, seed=seed, features=features, coefficients=coefficients)
    return (
        BattleSet(
            battles.models,
            battles.model_a,
            battles.model_b,
            battles.outcome,
            battles.counts,
            features,
            ["length", "noise_1", "noise_2"],
        ),
        features,
    )


def test_style_control_removes_the_length_bonus() -> None:
    battles, _ = biased_battles()
    plain = rank_battles(battles)
    styled = rank_battles(battles, style=True)
    verbose = "model-04"
    plain_rank = [r["model"] for r in plain.rows()].index(verbose)
    styled_rank = [r["model"] for r in styled.rows()].index(verbose)
    assert plain_rank == 0  # length makes the weakest model look best
    assert styled_rank == 4  # controlled, it is last again
    truth = dict(zip(battles.models, (THETA - THETA.mean()) * 400 / math.log(10) + 1000, strict=True))
    for name, low, high in zip(styled.models, styled.lower, styled.upper, strict=True):
        assert low - 10 <= float(truth[name]) <= high + 10


def test_style_control_reports_feature_coefficients() -> None:
    battles, features = biased_battles()
    styled = rank_battles(battles, style=True)
    coefficients = {c.name: c for c in styled.coefficients}
    length_sd = float(features[:, 0].std(correction=0))
    length = coefficients["length"]
    assert length.lower < LENGTH_BONUS * length_sd < length.upper
    for noise in ("noise_1", "noise_2"):
        assert coefficients[noise].lower < 0 < coefficients[noise].upper
    assert styled.to_dict()["coefficients"][0]["name"] == "length"
    assert styled.method == "bradley_terry_style"


def test_style_control_from_records_with_features() -> None:
    votes = [("x", "y", "model_a", [0.5]), ("y", "x", "model_a", [-0.2]), ("x", "y", "tie", [0.1])]
    result = rank_records(votes, style=True, feature_names=["length"])
    assert [c.name for c in result.coefficients] == ["length"]
    with pytest.raises(ValueError, match="sandwich"):
        rank_records(votes, style=True, ci="bootstrap")


def test_style_features_from_two_answers() -> None:
    answer = "# Title\n\nSome **bold** text.\n\n- one\n- two\n1. three\n\nSee [1] and [2]."
    assert style_counts(answer) == {
        "length": 15,
        "headers": 1,
        "lists": 3,
        "bold": 1,
        "citations": 2,
    }
    features = style_features(answer, "plain short answer")
    assert features[0] == pytest.approx((15 - 3) / 18)
    assert features[1:] == [1.0, 1.0, 1.0]
    assert style_features("", "") == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("both_bad", ["tie", "drop"])
def test_style_control_does_not_depend_on_how_battles_are_chunked_or_laid_out(
    both_bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leaderboard.ranking import style

    battles, features = biased_battles(num=5000)
    outcome = battles.outcome.clone()
    outcome[::7] = 3  # some both-bad votes, so "drop" really drops rows
    row_major = BattleSet(
        battles.models,
        battles.model_a,
        battles.model_b,
        outcome,
        battles.counts,
        features.contiguous(),
        battles.feature_names,
    )
    column_major = BattleSet.from_indices(
        battles.models,
        battles.model_a,
        battles.model_b,
        outcome,
        features=features.numpy(),
        feature_names=battles.feature_names,
    )
    assert column_major.features is not None and column_major.features.stride() == (1, 5000)
    whole = rank_battles(row_major, style=True, both_bad=both_bad)  # type: ignore[arg-type]
    monkeypatch.setattr(style, "CHUNK_ROWS", 999)
    chunked = rank_battles(column_major, style=True, both_bad=both_bad)  # type: ignore[arg-type]
    assert chunked.ratings == same_fit(whole.ratings)
    assert chunked.lower == same_fit(whole.lower)
    assert [c.upper for c in chunked.coefficients] == pytest.approx([c.upper for c in whole.coefficients])
