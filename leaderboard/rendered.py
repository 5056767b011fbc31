"""Rendered leaderboard boards, kept per snapshot and per what the board shows.

The board of a leaderboard page (table, interval plot, matrices) is a pure function of its
snapshot, the rows shown (current names, organisations, statuses, provisional flags) and the
request's options. Rendering it is most of a page's cost (~6 of 9 ms with 12 contenders, more
with more), yet the snapshot changes only when a recompute stores a new one. So each distinct
board is rendered once and kept in the cache (Redis), under a key made from every one of its
inputs: a new snapshot or a renamed contender gives a new key, so nothing stale is ever served
and nothing needs invalidating. Without Redis the board is rendered every time; the page never
fails for want of a cache. (The JSON API is not kept: serialising it costs less than the cache
round trip, measured with bench/pages.py.)
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.template.loader import get_template
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RENDERED_TTL_S = 600


@functools.cache
def templates_digest(*names: str) -> str:
    """A digest of these templates' source: part of the key, so a deploy that changes the markup
    never serves a board rendered by the old templates."""
    sources = [get_template(name).template.source for name in names]  # type: ignore[attr-defined]
    return hashlib.blake2b("\0".join(sources).encode(), digest_size=8).hexdigest()


def rendered_once(kind: str, inputs: object, render: Callable[[], str]) -> str:
    """`render()`'s result for these `inputs` (compared by `repr`), from the cache if kept."""
    digest = hashlib.blake2b(repr(inputs).encode(), digest_size=16).hexdigest()
    key = f"leaderboard:rendered:{kind}:{digest}"
    try:
        kept = cache.get(key)
    except RedisError as error:
        logger.warning("leaderboard cache unavailable: %s", error)
        return render()
    if isinstance(kept, str):
        return kept
    text = render()
    try:
        cache.set(key, text, RENDERED_TTL_S)
    except RedisError as error:
        logger.warning("leaderboard cache unavailable: %s", error)
    return text
