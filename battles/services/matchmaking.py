"""Pick the two contenders of a new anonymous battle."""

from __future__ import annotations

import random
from collections.abc import Callable

from battles.models import Arena, Contender, ContenderStatus
from battles.services.errors import ArenaError


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
    first = rng.choices(pool, weights=[c.sampling_weight for c in pool], k=1)[0]
    rest = [c for c in pool if c.pk != first.pk]
    second = rng.choices(rest, weights=[c.sampling_weight for c in rest], k=1)[0]
    pair = [first, second]
    rng.shuffle(pair)
    return pair[0], pair[1]
