"""Style control: Bradley-Terry with per-battle style features (contextual BT).

Voters reward long, heavily formatted answers. Giving each battle a few style covariates, the
normalized difference ``(a - b) / (a + b)`` of length, headers, lists, bold (and citations in a
search arena), lets the fit attribute that preference to style rather than to the model, which
is LMArena's "style control". The fit works on the raw feature matrix with the standardization
folded into the algebra, so ten million battles never need a second, standardized copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from leaderboard.ranking.battles import BattleSet, BothBad, feature_rows
from leaderboard.ranking.bradley_terry import (
    DEFAULT_REG,
    DEFAULT_TOL,
    battle_scores,
    pair_propensity_weights,
)
from leaderboard.ranking.device import DTYPE
from leaderboard.ranking.intervals import gauge_fixed_sandwich
from leaderboard.ranking.text_style import (  # noqa: F401 - re-exported
    SEARCH_FEATURES,
    STYLE_FEATURES,
    normalized_difference,
    style_counts,
    style_features,
)


@dataclass(frozen=True)
class ContextualFit:
    """Natural-scale ratings (mean zero), standardized coefficients, and their sandwich
    covariance ordered as ratings then coefficients."""

    theta: torch.Tensor
    coefficients: torch.Tensor
    covariance: torch.Tensor
    iterations: int
    grad_norm: float
    status: str = "converged"

    def report(self) -> dict[str, object]:
        """JSON-ready convergence record, as :meth:`NewtonResult.report`."""
        return {
            "converged": self.status == "converged",
            "status": self.status,
            "iterations": self.iterations,
            "grad_norm": self.grad_norm,
        }


CHUNK_ROWS = 1 << 18


@dataclass
class _Sums:
    """Per-battle quantities summed over battles: by ordered pair, and against the features.

    ``by_pair`` and ``cross_by_pair`` are (n*n,) and (k, n*n) sums of ``second`` and of
    ``second * x_f`` per ordered pair; ``xx`` is ``X^T diag(second) X`` and ``x_second`` is
    ``X^T second`` on the raw features; ``x_first`` and the two totals serve the gradient.
    """

    first_by_pair: torch.Tensor
    by_pair: torch.Tensor
    cross_by_pair: torch.Tensor
    x_first: torch.Tensor
    x_second: torch.Tensor
    xx: torch.Tensor
    first_total: float = 0.0
    second_total: float = 0.0


class _Design:
    """Battles reduced to what the fit touches: ordered-pair ids, scores, weights, raw features.

    The features are read as ``xt``, a (k, battles) view whose rows are contiguous (BattleSet
    stores features column-major), so every product with them is a BLAS matrix-vector or
    matrix-matrix call over contiguous memory. Passes over the battles go in chunks of
    ``CHUNK_ROWS``: the handful of elementwise steps per chunk then run in cache, and no
    battle-length temporary is ever allocated, which at ten million battles would otherwise
    cost more in page faults than in arithmetic. The standardization ``z = (x - mean) / std``
    is folded into the algebra, so no standardized copy of the features exists either.
    """

    def __init__(self, battles: BattleSet, both_bad: BothBad, reweight: bool, min_pair_count: float):
        if battles.features is None:
            raise ValueError("style control needs battles with features")
        n = battles.num_models
        score, keep = battle_scores(battles.outcome, both_bad)
        keep &= (battles.model_a != battles.model_b) & (battles.counts > 0)
        full = bool(keep.all())
        a = battles.model_a if full else battles.model_a[keep]
        b = battles.model_b if full else battles.model_b[keep]
        self.n = n
        self.pair = a * n
        self.pair += b
        self.score = score if full else score[keep]
        features = battles.features if full else feature_rows(battles.features, keep)
        self.xt = features.T if features.T.is_contiguous() else features.T.contiguous()
        counts = (battles.counts if full else battles.counts[keep]).to(DTYPE)
        self.k = self.xt.shape[0]
        self.rows = int(self.pair.shape[0])
        frequency = float(counts.sum())
        self.mean = (self.xt @ counts) / frequency
        var = torch.zeros(self.k, dtype=DTYPE, device=counts.device)
        for part in self.chunks():
            centered = self.xt[:, part] - self.mean[:, None]
            var += (centered * centered) @ counts[part]
        var /= frequency
        self.std = torch.where(var > 0, var.sqrt(), torch.ones_like(var))
        # Importance weight per battle (1/P(pair)), kept apart from the frequency counts because
        # the sandwich meat needs count * importance**2, not (count * importance)**2.
        self.importance: torch.Tensor | None = None
        if reweight:
            unordered = torch.minimum(a, b) * n + torch.maximum(a, b)
            pair_count = torch.bincount(unordered, weights=counts, minlength=n * n)
            seen = pair_count > 0
            per_pair = torch.zeros_like(pair_count)
            per_pair[seen] = pair_propensity_weights(pair_count[seen], min_pair_count)
            self.importance = per_pair[unordered]
        self.weight = counts if self.importance is None else counts * self.importance
        self.total_weight = float(self.weight.sum())

    def chunks(self) -> Iterator[slice]:
        for start in range(0, self.rows, CHUNK_ROWS):
            yield slice(start, min(start + CHUNK_ROWS, self.rows))

    def predictor(self, theta: torch.Tensor, beta: torch.Tensor) -> Iterator[tuple[slice, torch.Tensor]]:
        """``theta_a - theta_b + z . beta`` chunk by chunk."""
        pair_diff = (theta[:, None] - theta[None, :]).reshape(-1)
        scaled = beta / self.std
        shift = float(self.mean @ scaled)
        for part in self.chunks():
            eta = torch.take(pair_diff, self.pair[part])
            eta.addmv_(self.xt[:, part].T, scaled)
            eta -= shift
            yield part, eta

    def loss(self, theta: torch.Tensor, beta: torch.Tensor, lam: float) -> float:
        nll = 0.0
        for part, eta in self.predictor(theta, beta):
            weight = self.weight[part]
            nll += float(weight @ torch.nn.functional.softplus(eta) - (weight * self.score[part]) @ eta)
        return nll + 0.5 * lam * float((theta @ theta) + (beta @ beta))

    def sums(
        self,
        theta: torch.Tensor,
        beta: torch.Tensor,
        per_battle: Callable[[slice, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    ) -> _Sums:
        """Sum ``first`` and ``second = per_battle(part, probability)`` in every way the
        gradient, Hessian and sandwich meat need, in one pass over the battles."""
        n2, k = self.n * self.n, self.k
        device = self.pair.device
        out = _Sums(
            first_by_pair=torch.zeros(n2, dtype=DTYPE, device=device),
            by_pair=torch.zeros(n2, dtype=DTYPE, device=device),
            cross_by_pair=torch.zeros(k, n2, dtype=DTYPE, device=device),
            x_first=torch.zeros(k, dtype=DTYPE, device=device),
            x_second=torch.zeros(k, dtype=DTYPE, device=device),
            xx=torch.zeros(k, k, dtype=DTYPE, device=device),
        )
        for part, eta in self.predictor(theta, beta):
            first, second = per_battle(part, torch.sigmoid_(eta))
            pair = self.pair[part]
            xt = self.xt[:, part]
            weighted = xt * second
            out.first_by_pair.scatter_add_(0, pair, first)
            out.by_pair.scatter_add_(0, pair, second)
            out.cross_by_pair.index_add_(1, pair, weighted)
            out.x_first.addmv_(xt, first)
            out.x_second += weighted.sum(1)
            out.xx.addmm_(xt, weighted.T)
            out.first_total += float(first.sum())
            out.second_total += float(second.sum())
        return out

    def gradient(self, sums: _Sums) -> torch.Tensor:
        m = sums.first_by_pair.view(self.n, self.n)
        grad_f = (sums.x_first - self.mean * sums.first_total) / self.std
        return torch.cat([m.sum(1) - m.sum(0), grad_f])

    def curvature(self, sums: _Sums, lam: float) -> torch.Tensor:
        """The (n + k) square matrix ``sum second * d d^T`` with ``d = (e_a - e_b, z)``, plus
        ``lam`` on the diagonal."""
        n, k = self.n, self.k
        m = sums.by_pair.view(n, n)
        base_r = m.sum(1) - m.sum(0)
        per_pair = sums.cross_by_pair.view(k, n, n)
        cross = (per_pair.sum(2) - per_pair.sum(1) - self.mean[:, None] * base_r).T / self.std
        raw_sum = sums.x_second
        centered = (
            sums.xx
            - torch.outer(self.mean, raw_sum)
            - torch.outer(raw_sum, self.mean)
            + sums.second_total * torch.outer(self.mean, self.mean)
        )
        sym = m + m.T
        matrix = torch.zeros(n + k, n + k, dtype=DTYPE, device=m.device)
        matrix[:n, :n] = torch.diag(sym.sum(1)) - sym
        matrix[:n, n:] = cross
        matrix[n:, :n] = cross.T
        matrix[n:, n:] = centered / torch.outer(self.std, self.std)
        matrix += lam * torch.eye(n + k, dtype=DTYPE, device=m.device)
        return matrix

    def newton_terms(self, part: slice, prob: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per battle: loss gradient ``w (p - s)`` and curvature ``w p (1 - p)``."""
        weight = self.weight[part]
        first = (prob - self.score[part]) * weight
        second = (1.0 - prob) * prob * weight
        return first, second

    def meat_terms(self, part: slice, prob: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per battle: squared score ``w (s - p)^2`` (times the importance when reweighting)."""
        residual = self.score[part] - prob
        squared = residual * residual * self.weight[part]
        if self.importance is not None:
            squared *= self.importance[part]
        return squared, squared


def fit_contextual(
    battles: BattleSet,
    *,
    both_bad: BothBad = "tie",
    reweight: bool = False,
    min_pair_count: float = 50.0,
    reg: float = DEFAULT_REG,
    tol: float = DEFAULT_TOL,
    max_iter: int = 100,
) -> ContextualFit:
    """Contextual Bradley-Terry by damped Newton, with its sandwich covariance.

    Coefficients are per standard deviation of each feature (the features are standardized
    inside the fit), so they are comparable across features and arenas. The L2 term is as tiny
    as in the plain fit; arena-rank's default instead shrinks coefficients hard (``reg=1``).
    """
    design = _Design(battles, both_bad, reweight, min_pair_count)
    n, k = design.n, design.k
    device = design.score.device
    lam = reg * design.total_weight
    theta = torch.zeros(n, dtype=DTYPE, device=device)
    beta = torch.zeros(k, dtype=DTYPE, device=device)
    loss = design.loss(theta, beta, lam)
    grad_norm = float("inf")
    iterations = 0
    status = f"not converged after {max_iter} iterations"
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported to the caller
        sums = design.sums(theta, beta, design.newton_terms)
        grad = design.gradient(sums) + lam * torch.cat([theta, beta])
        grad_norm = float(grad.abs().max()) / design.total_weight
        if grad_norm <= tol:
            status = "converged"
            break
        chol, info = torch.linalg.cholesky_ex(design.curvature(sums, lam))
        if int(info) != 0:
            status = "Hessian is not positive definite (or NaN)"
            break
        step = -torch.cholesky_solve(grad[:, None], chol)[:, 0]
        size = 1.0
        for _ in range(30):
            trial_theta = theta + size * step[:n]
            trial_beta = beta + size * step[n:]
            trial_loss = design.loss(trial_theta, trial_beta, lam)
            if trial_loss <= loss + 1e-9 * max(abs(loss), 1.0):
                break
            size *= 0.5
        else:
            status = "line search found no decrease"
            break
        theta, beta, loss = trial_theta, trial_beta, trial_loss
    if status != "converged":
        sums = design.sums(theta, beta, design.newton_terms)
    hess = design.curvature(sums, lam)
    meat = design.curvature(design.sums(theta, beta, design.meat_terms), 0.0)
    gauge = torch.cat([torch.ones(n, dtype=DTYPE, device=device), torch.zeros(k, dtype=DTYPE, device=device)])
    covariance = gauge_fixed_sandwich(hess, meat, gauge)
    return ContextualFit(theta, beta, covariance, iterations, grad_norm, status)
