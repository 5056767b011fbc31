"""Active matchmaking: close, uncertain pairs come up most, and every pair keeps coming up."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from pydantic import ValidationError

from battles.active_sampling import pair_probabilities
from battles.modalities import arena_settings
from battles.services.matchmaking import pair_pick
from leaderboard.models import LeaderboardSnapshot
from tests.factories import arena_create, contender_create

pytestmark = pytest.mark.django_db


def test_every_pair_keeps_at_least_its_floor_share() -> None:
    ratings = np.array([0.0, 0.05, 3.0, -3.0])
    weights = np.array([1.0, 1.0, 1.0, 2.0])
    probabilities = pair_probabilities(ratings=ratings, variances=np.full(4, 0.01),
                                       weights=weights, floor=0.2)
    assert probabilities.sum() == pytest.approx(1.0)
    admin = np.triu(np.outer(weights, weights), 1)
    upper = np.triu(np.ones((4, 4), dtype=bool), 1)
    assert (probabilities[upper] >= 0.2 * admin[upper] / admin.sum() - 1e-12).all()
    assert probabilities[0, 1] == probabilities[upper].max()


def test_it_picks_close_uncertain_pairs_most_and_still_explores() -> None:
    arena = arena_create(settings={"matchmaking": "active", "exploration_floor": 0.1})
    a, b, c = (contender_create(arena=arena) for _ in range(3))
    never = contender_create(arena=arena, sampling_weight=0)
    LeaderboardSnapshot.objects.create(
        arena=arena, category="overall", style_control=False, method="bradley_terry",
        num_votes=100, device="cpu", duration_ms=1,
        result={"rows": [
            {"contender_id": a.id, "rating": 1000, "lower": 980, "upper": 1020},
            {"contender_id": b.id, "rating": 1005, "lower": 985, "upper": 1025},
            {"contender_id": c.id, "rating": 1400, "lower": 1390, "upper": 1410},
        ]},
    )
    rng = random.Random(5)
    pairs: Counter[frozenset[int]] = Counter()
    for _ in range(1500):
        first, second = pair_pick(arena=arena, rng=rng)
        assert first.pk != second.pk
        pairs[frozenset((first.pk, second.pk))] += 1
    close = pairs[frozenset((a.pk, b.pk))]
    assert close > 3 * pairs[frozenset((a.pk, c.pk))]
    assert pairs[frozenset((a.pk, c.pk))] > 0 and pairs[frozenset((b.pk, c.pk))] > 0
    assert not any(never.pk in pair for pair in pairs)


def test_an_arena_cannot_turn_exploration_off() -> None:
    arena = arena_create()
    arena.settings = {"matchmaking": "active", "exploration_floor": 0.0}
    with pytest.raises(ValidationError):
        arena_settings(arena)


def test_focus_on_the_head_sends_votes_where_the_top_is_uncertain() -> None:
    """Two close pairs, one at the top and one at the bottom: with a head of two, the top pair
    gets the votes, and the bottom one keeps its exploration share."""
    ratings = np.array([2.0, 2.02, -2.0, -2.02, 0.0, 0.5])
    variances = np.full(6, 0.01)
    weights = np.ones(6)
    whole = pair_probabilities(ratings=ratings, variances=variances, weights=weights, floor=0.2)
    head = pair_probabilities(ratings=ratings, variances=variances, weights=weights, floor=0.2,
                              focus_top=2)
    assert whole[0, 1] == pytest.approx(whole[2, 3], rel=0.05)
    assert head[0, 1] > 5 * head[2, 3]
    assert head[2, 3] >= 0.2 / 15 - 1e-12
    assert head.sum() == pytest.approx(1.0)


def test_a_head_as_large_as_the_board_changes_nothing() -> None:
    ratings = np.array([0.0, 0.3, -0.4, 1.0])
    variances = np.array([0.05, 0.2, 0.1, 0.02])
    whole = pair_probabilities(ratings=ratings, variances=variances, weights=np.ones(4))
    focused = pair_probabilities(ratings=ratings, variances=variances, weights=np.ones(4),
                                 focus_top=4)
    np.testing.assert_allclose(focused, whole, rtol=1e-12)
