"""Confidence intervals for Bradley-Terry ratings: sandwich and batched bootstrap.

The sandwich (robust) covariance ``H^-1 J H^-1`` is what arena-rank reports; it costs one extra
Hessian and stays honest when ties make the Bernoulli model misspecified. The bootstrap resamples
aggregated rows with Poisson weights and refits every replicate in the same batched Newton solve.
"""

from __future__ import annotations

import torch

from leaderboard.ranking.bradley_terry import (
    DEFAULT_REG,
    DEFAULT_TOL,
    OutcomeRows,
    newton_bt,
    pair_sums,
    pairwise_matrix,
)
from leaderboard.ranking.device import DTYPE

Z_95 = 1.959963984540054


def gauge_fixed_sandwich(hess: torch.Tensor, meat: torch.Tensor, gauge: torch.Tensor) -> torch.Tensor:
    """``P H^-1 J H^-1 P`` where ``gauge`` spans the direction the likelihood cannot see.

    Adding ``c g g^T`` makes the Hessian invertible without shrinking any identified direction,
    unlike a ridge; the projection then removes the arbitrary offset from the covariance.
    """
    g = gauge / gauge.norm()
    scale = hess.diagonal().mean().clamp(min=1.0)
    fixed = hess + scale * torch.outer(g, g)
    chol, _ = torch.linalg.cholesky_ex(fixed)
    half = torch.cholesky_solve(meat, chol)
    cov = torch.cholesky_solve(half.T.contiguous(), chol)
    proj = torch.eye(hess.shape[0], dtype=DTYPE, device=hess.device) - torch.outer(g, g)
    cov = proj @ cov @ proj
    return 0.5 * (cov + cov.T)


ARENA_RANK_RIDGE = 1e-5


def sandwich_bt(
    rows: OutcomeRows, theta: torch.Tensor, reg: float = DEFAULT_REG, ridge: float = 0.0
) -> torch.Tensor:
    """Robust covariance of the natural-scale ratings (mean-zero gauge), shape (n, n).

    The score of one battle is ``w (s - p)``; summing its square per row gives the meat ``J``
    from aggregated rows exactly, because battles in a row share ``s``, ``p`` and ``w``.

    ``ridge`` (per battle) adds ``ridge * N`` to the Hessian diagonal as arena-rank does
    (``ARENA_RANK_RIDGE``) to make it invertible. That also shrinks the variance of rarely
    played contenders (by up to 6% in width on the 2024 Chatbot Arena votes), so the default
    fixes the gauge exactly instead and only uses the ridge for reproducing arena-rank.
    """
    n = rows.num_models
    theta = theta.reshape(-1)
    prob_row = torch.sigmoid(theta[rows.pair_i] - theta[rows.pair_j])[rows.pair]
    total, _ = pair_sums(rows, rows.count[None, :])
    prob = torch.sigmoid(theta[rows.pair_i] - theta[rows.pair_j])
    hess = pairwise_matrix(rows.pair_i, rows.pair_j, total * prob * (1 - prob), n)[0]
    damping = (reg + ridge) * rows.total_weight
    hess = hess + damping * torch.eye(n, dtype=DTYPE, device=theta.device)
    meat_row = rows.count * (rows.weight * (rows.score - prob_row)) ** 2
    meat_pair = torch.zeros(rows.num_pairs, dtype=DTYPE, device=theta.device)
    meat_pair.index_add_(0, rows.pair, meat_row)
    meat = pairwise_matrix(rows.pair_i, rows.pair_j, meat_pair[None, :], n)[0]
    ones = torch.ones(n, dtype=DTYPE, device=theta.device)
    return gauge_fixed_sandwich(hess, meat, ones)


def sandwich_diagonal_bt(rows: OutcomeRows, theta: torch.Tensor, reg: float = DEFAULT_REG) -> torch.Tensor:
    """Per-contender sandwich variance ``J_kk / H_kk^2``, for fields too large for a dense ``H``.

    It ignores the uncertainty of the opponents, so it is narrower than the full sandwich; the
    result's params say ``intervals: sandwich_diagonal`` wherever it was used.
    """
    n = rows.num_models
    theta = theta.reshape(-1)
    prob = torch.sigmoid(theta[rows.pair_i] - theta[rows.pair_j])
    total, _ = pair_sums(rows, rows.count[None, :])
    curve = total[0] * prob * (1 - prob)
    meat_row = rows.count * (rows.weight * (rows.score - prob[rows.pair])) ** 2
    meat_pair = torch.zeros(rows.num_pairs, dtype=DTYPE, device=theta.device)
    meat_pair.index_add_(0, rows.pair, meat_row)
    hess = torch.full((n,), reg * rows.total_weight, dtype=DTYPE, device=theta.device)
    meat = torch.zeros(n, dtype=DTYPE, device=theta.device)
    for end in (rows.pair_i, rows.pair_j):
        hess.index_add_(0, end, curve)
        meat.index_add_(0, end, meat_pair)
    return meat / hess**2


def bootstrap_chunk_size(num_rows: int, num_models: int, budget_bytes: int = 400 * 2**20) -> int:
    """Replicates per batch so that the batched tensors stay within a memory budget.

    Depends only on problem size, never on the machine, so a seed reproduces the same replicates
    everywhere.
    """
    per_replicate = 8 * (3 * num_rows + 4 * num_models * num_models)
    return max(1, budget_bytes // per_replicate)


def bootstrap_bt(
    rows: OutcomeRows,
    theta: torch.Tensor,
    num_replicates: int,
    *,
    seed: int = 0,
    reg: float = DEFAULT_REG,
    tol: float = DEFAULT_TOL,
    chunk_size: int | None = None,
) -> tuple[torch.Tensor, str]:
    """Natural-scale ratings for ``num_replicates`` Poisson-bootstrap replicates, shape (B, n),
    and "converged" or the first reason a chunk of replicates did not converge.

    Resampling weights are drawn on the CPU from a seeded generator and then moved to the
    device, so the replicates, and hence the intervals, are identical on CPU and GPU. Each
    replicate starts from the full-data fit, which is already within a Newton step or two.
    """
    if num_replicates < 1:
        raise ValueError("num_replicates must be positive")
    generator = torch.Generator(device="cpu").manual_seed(seed)
    size = chunk_size or bootstrap_chunk_size(rows.score.shape[0], rows.num_models)
    base = rows.count.to("cpu")
    start = theta.reshape(1, -1)
    samples = []
    status = "converged"
    done = 0
    while done < num_replicates:
        batch = min(size, num_replicates - done)
        counts = torch.poisson(base.expand(batch, -1).contiguous(), generator=generator)
        total, score = pair_sums(rows, counts.to(theta.device))
        fit = newton_bt(
            rows.pair_i,
            rows.pair_j,
            total,
            score,
            rows.num_models,
            reg=reg,
            tol=tol,
            init=start.expand(batch, -1),
        )
        samples.append(fit.theta)
        if status == "converged":
            status = fit.status
        done += batch
    return torch.cat(samples), status


def percentile_interval(samples: torch.Tensor, level: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """Percentile bootstrap bounds per column (linear interpolation, as numpy's default)."""
    tail = (1.0 - level) / 2.0
    q = torch.tensor([tail, 1.0 - tail], dtype=DTYPE, device=samples.device)
    bounds = torch.quantile(samples, q, dim=0)
    return bounds[0], bounds[1]


def rank_with_uncertainty(lower: torch.Tensor, upper: torch.Tensor) -> torch.Tensor:
    """1 + number of contenders whose lower bound beats this one's upper bound.

    Contenders whose intervals overlap share a rank, so a rank only changes when the data say
    the difference is real, which is how LMArena publishes ranks.
    """
    ordered = torch.sort(lower).values
    return 1 + ordered.shape[0] - torch.searchsorted(ordered, upper.contiguous(), right=True)
