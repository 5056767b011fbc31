"""What the votes can and cannot support, said per contender before anyone reads a rank.

A maximum-likelihood rating exists only where the comparison graph allows it (Zermelo, Ford):
two groups never compared have no common scale, a contender that never lost (or never won)
against the rest has a rating of plus (minus) infinity that only the regulariser keeps finite,
and a contender with a handful of votes gets a number with little behind it. Each of those is a
*flag* on the contender; a flagged contender keeps its fitted number but gets no rank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from leaderboard.ranking.flags import DISCONNECTED, FEW_VOTES, TIES_ONLY, UNBEATEN, WINLESS

__all__ = [
    "DISCONNECTED", "FEW_VOTES", "TIES_ONLY", "UNBEATEN", "WINLESS", "contender_flags", "ranks_among",
]

DEFAULT_MIN_VOTES = 10.0


def _graph(n: int, i: np.ndarray, j: np.ndarray) -> coo_matrix:
    data = np.ones(i.shape[0], dtype=np.int8)
    return coo_matrix((data, (i, j)), shape=(n, n)).tocsr()


def contender_flags(
    num_models: int,
    pair_i: torch.Tensor,
    pair_j: torch.Tensor,
    score_i: torch.Tensor,
    total: torch.Tensor,
    votes: torch.Tensor,
    *,
    min_votes: float = DEFAULT_MIN_VOTES,
    decisive: torch.Tensor | None = None,
) -> list[list[str]]:
    """Flags per contender from per-pair totals and ``pair_i``'s score (ties count half), and
    optionally each contender's weight of decisive (non-tie) votes.

    ``i`` "beats" ``j`` in the directed graph when it scored anything against ``j`` (a win or a
    tie). Within the largest comparison group, contenders in a strongly connected part that no
    one outside beats are unbeaten; those that beat no one outside are winless.
    """
    n = num_models
    flags: list[list[str]] = [[] for _ in range(n)]
    i = pair_i.cpu().numpy()
    j = pair_j.cpu().numpy()
    score = score_i.cpu().numpy()
    lost = total.cpu().numpy() - score
    votes_np = votes.cpu().numpy()
    for k in np.nonzero(votes_np < min_votes)[0]:
        flags[k].append(FEW_VOTES)
    if decisive is not None:
        # Only ties: the sandwich's score (s - p) is zero for every vote, so is the interval.
        for k in np.nonzero((decisive.cpu().numpy() <= 0) & (votes_np > 0))[0]:
            flags[k].append(TIES_ONLY)
    if n < 2:
        return flags
    _, groups = connected_components(_graph(n, i, j), directed=False)
    main = np.bincount(groups, weights=votes_np).argmax()
    in_main = groups == main
    for k in np.nonzero(~in_main)[0]:
        flags[k].append(DISCONNECTED)
    ei = np.concatenate([i[score > 0], j[lost > 0]])
    ej = np.concatenate([j[score > 0], i[lost > 0]])
    count, strong = connected_components(_graph(n, ei, ej), directed=True, connection="strong")
    if count == 1:
        return flags
    cross = (strong[ei] != strong[ej]) & in_main[ei] & in_main[ej]
    beaten = np.zeros(count, dtype=bool)
    beaten[strong[ej[cross]]] = True
    beats = np.zeros(count, dtype=bool)
    beats[strong[ei[cross]]] = True
    main_parts = np.unique(strong[in_main])
    if main_parts.shape[0] > 1:
        for k in np.nonzero(in_main)[0]:
            if not beaten[strong[k]]:
                flags[k].append(UNBEATEN)
            elif not beats[strong[k]]:
                flags[k].append(WINLESS)
    return flags


def ranks_among(
    lower: Sequence[float], upper: Sequence[float], flags: Sequence[Sequence[str]]
) -> list[int | None]:
    """Ranks that respect the intervals, counted among unflagged contenders only; None if flagged."""
    ok = [k for k in range(len(flags)) if not flags[k]]
    low = torch.tensor([lower[k] for k in ok], dtype=torch.float64)
    up = torch.tensor([upper[k] for k in ok], dtype=torch.float64)
    ranks: list[int | None] = [None] * len(flags)
    if ok:
        # 1 + how many lower bounds exceed this upper bound: a sort, not an n x n comparison.
        ordered = torch.sort(low).values
        above = ordered.shape[0] - torch.searchsorted(ordered, up, right=True)
        for k, rank in zip(ok, (1 + above).tolist(), strict=True):
            ranks[k] = int(rank)
    return ranks
