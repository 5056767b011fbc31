"""Active sampling: which pair to show next, by how much a vote on it would shrink the rating
uncertainty that matters, mixed with the admin's weights and an exploration floor.

Pure numpy (no Django), so the matchmaking service and the simulation in
``bench/active_sampling.py`` use the same rule:

- a vote on (i, j) adds ``p (1 - p)`` to the Fisher information of both ratings, where ``p`` is
  the current win probability; with the variance of each rating ``v``, that shrinks it by
  ``v**2 * info / (1 + v * info)`` (a one-vote update of the diagonal);
- only uncertainty between contenders whose intervals overlap matters for the order, so the
  gain is weighted by how much the two intervals overlap (a pair far apart in rank keeps a
  small weight, not none);
- with ``focus_top`` = N, what matters is the head of the board a reader reads: a pair counts
  fully when one of its contenders could be among the top N (fitted rank below N, or an upper
  bound that reaches the N-th rating) and keeps ``FAR_APART`` otherwise. On the whole board,
  the mean interval width is nearly fixed by the number of votes (a vote carries at most 1/4
  of information against about 0.21 on an average pair, so no policy saves more than ~14%
  there); the head's intervals are where a policy can save votes;
- the result is multiplied by the admin's sampling weights (``w_i * w_j``), and a share
  ``floor`` of the draws follows the admin's weights alone, so every active pair keeps a
  probability of at least ``floor * w_i * w_j / sum(w w)``.
"""

from __future__ import annotations

import numpy as np

DEFAULT_FLOOR = 0.2
FAR_APART = 0.05  # the relevance of a pair whose intervals do not overlap


def pair_probabilities(
    *,
    ratings: np.ndarray,
    variances: np.ndarray,
    weights: np.ndarray,
    floor: float = DEFAULT_FLOOR,
    focus_top: int = 0,
    z: float = 1.96,
) -> np.ndarray:
    """A K x K matrix of pair probabilities (upper triangle, summing to one).

    ``ratings`` on the logistic scale (natural log-odds), ``variances`` of each rating,
    ``weights`` the admin's sampling weights (zero: never drawn), ``focus_top`` the size of
    the board's head that matters (0: the whole board)."""
    k = ratings.shape[0]
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    admin = np.outer(weights, weights) * upper
    if admin.sum() <= 0:
        raise ValueError("No pair has a positive sampling weight.")
    p = 1.0 / (1.0 + np.exp(ratings[None, :] - ratings[:, None]))
    info = p * (1.0 - p)
    v = np.maximum(variances, 1e-12)
    gain_rows = v[:, None] ** 2 * info / (1.0 + v[:, None] * info)
    gain = gain_rows + gain_rows.T
    half = z * np.sqrt(v)
    lo, hi = ratings - half, ratings + half
    overlap = np.minimum(hi[:, None], hi[None, :]) - np.maximum(lo[:, None], lo[None, :])
    narrower = np.minimum(half[:, None], half[None, :]) * 2
    relevance = np.clip(overlap / np.maximum(narrower, 1e-12), FAR_APART, 1.0)
    score = gain * relevance * head_relevance(ratings, half, focus_top) * admin
    total = score.sum()
    active = score / total if total > 0 else admin / admin.sum()
    return (1.0 - floor) * active + floor * admin / admin.sum()


def head_relevance(ratings: np.ndarray, half: np.ndarray, focus_top: int) -> np.ndarray:
    """K x K: 1 where either contender could be in the top `focus_top` (its upper bound reaches
    the N-th fitted rating), FAR_APART elsewhere; all ones when there is no head to focus on."""
    k = ratings.shape[0]
    if focus_top <= 0 or focus_top >= k:
        return np.ones((k, k))
    cut = np.sort(ratings)[::-1][focus_top - 1]
    could_lead = np.where(ratings + half >= cut, 1.0, FAR_APART)
    return np.maximum(could_lead[:, None], could_lead[None, :])


def pair_draw(probabilities: np.ndarray, rng: np.random.Generator, size: int = 1) -> np.ndarray:
    """``size`` pairs (rows of two indices) drawn from `pair_probabilities`' matrix."""
    flat = probabilities.ravel()
    picks = rng.choice(flat.shape[0], size=size, p=flat / flat.sum())
    k = probabilities.shape[0]
    return np.stack([picks // k, picks % k], axis=1)
