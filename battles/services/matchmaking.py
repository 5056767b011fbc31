"""Pick the two contenders of a new anonymous battle."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import numpy as np
from django.apps import apps

from battles.active_sampling import pair_probabilities
from battles.modalities import arena_settings
from battles.models import Arena, Contender, ContenderStatus
from battles.services.errors import ArenaError

ELO_PER_LOGIT = 400 / math.log(10)
UNRATED_VARIANCE = 4.0  # logits squared: a contender with no rating yet is worth a look


def _latest_ratings(arena: Arena) -> dict[int, tuple[float, float]]:
    """Contender id -> (rating, variance) in logits, from the newest overall plain board. The
    snapshot model is looked up by name: the leaderboard app sits above this one."""
    snapshot_model = apps.get_model("leaderboard", "LeaderboardSnapshot")
    snapshot = (snapshot_model.objects.filter(arena=arena, category="overall",
                                              style_control=False)
                .order_by("-created_at", "-id").only("result").first())
    found: dict[int, tuple[float, float]] = {}
    for row in (snapshot.result.get("rows", []) if snapshot else []):
        rating, lower, upper = row.get("rating"), row.get("lower"), row.get("upper")
        if rating is None or lower is None or upper is None:
            continue
        sd = (upper - lower) / (2 * 1.96) / ELO_PER_LOGIT
        found[int(row["contender_id"])] = (rating / ELO_PER_LOGIT, max(sd * sd, 1e-8))
    return found


def _active_pair(
    arena: Arena, pool: list[Contender], rng: random.Random, *, floor: float, focus_top: int
) -> list[Contender]:
    known = _latest_ratings(arena)
    mean = float(np.mean([r for r, _ in known.values()])) if known else 0.0
    ratings = np.array([known.get(c.pk, (mean, UNRATED_VARIANCE))[0] for c in pool])
    variances = np.array([known.get(c.pk, (mean, UNRATED_VARIANCE))[1] for c in pool])
    weights = np.array([c.sampling_weight for c in pool], dtype=float)
    probabilities = pair_probabilities(
        ratings=ratings, variances=variances, weights=weights, floor=floor, focus_top=focus_top
    ).ravel()
    pick = rng.choices(range(probabilities.shape[0]), weights=probabilities.tolist(), k=1)[0]
    return [pool[pick // len(pool)], pool[pick % len(pool)]]


def pair_pick(
    *, arena: Arena, rng: random.Random | None = None,
    fits: Callable[[Contender], bool] | None = None,
) -> tuple[Contender, Contender]:
    """A weighted random pair of distinct active contenders, in random side order.

    Each contender is drawn with probability proportional to its sampling weight, the second
    from the remaining ones; then the sides are shuffled so side A carries no information.
    `fits` (the modality's capability check) narrows the pool first.
    """
    rng = rng or random.SystemRandom()
    pool = [
        contender
        for contender in Contender.objects.filter(arena=arena, status=ContenderStatus.ACTIVE)
        if contender.sampling_weight > 0
    ]
    if fits is not None:
        capable = [contender for contender in pool if fits(contender)]
        if len(capable) < 2 <= len(pool):
            raise ArenaError(
                "No two models here can make that request; try another length or style.",
                code="request_unsupported",
            )
        pool = capable
    if len(pool) < 2:
        raise ArenaError(
            "This arena needs at least two active models to start a battle.", code="no_pair"
        )
    options = arena_settings(arena)
    if options.matchmaking == "active":
        pair = _active_pair(arena, pool, rng, floor=options.exploration_floor,
                            focus_top=options.active_focus_top)
        rng.shuffle(pair)
        return pair[0], pair[1]
    first = rng.choices(pool, weights=[c.sampling_weight for c in pool], k=1)[0]
    rest = [c for c in pool if c.pk != first.pk]
    second = rng.choices(rest, weights=[c.sampling_weight for c in rest], k=1)[0]
    pair = [first, second]
    rng.shuffle(pair)
    return pair[0], pair[1]
