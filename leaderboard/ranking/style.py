"""Style control: Bradley-Terry with per-battle style features (contextual BT).

Voters reward long, heavily formatted answers. Giving each battle a few style covariates, the
normalized difference ``(a - b) / (a + b)`` of length, headers, lists, bold (and citations in a
search arena), lets the fit attribute that preference to style rather than to the model, which
is LMArena's "style control". The fit works on the raw feature matrix with the standardization
folded into the algebra, so ten million battles never need a second, standardized copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from leaderboard.ranking.battles import BattleSet, BothBad
from leaderboard.ranking.bradley_terry import (
    DEFAULT_REG,
    DEFAULT_TOL,
    battle_scores,
    pair_propensity_weights,
)
from leaderboard.ranking.device import DTYPE
from leaderboard.ranking.intervals import gauge_fixed_sandwich

STYLE_FEATURES = ("length", "headers", "lists", "bold")
SEARCH_FEATURES = (*STYLE_FEATURES, "citations")

_HEADER = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_CITATION = re.compile(r"\[\d+\]")


def style_counts(text: str) -> dict[str, int]:
    """Raw style measurements of one answer: words, markdown headers, list items, bold spans,
    numbered citations. Word count stands in for tokens so no tokenizer is needed."""
    return {
        "length": len(text.split()),
        "headers": len(_HEADER.findall(text)),
        "lists": len(_LIST.findall(text)),
        "bold": len(_BOLD.findall(text)),
        "citations": len(_CITATION.findall(text)),
    }


def normalized_difference(a: float, b: float) -> float:
    """``(a - b) / (a + b)``, zero when neither answer has any of the feature."""
    total = a + b
    return 0.0 if total == 0 else (a - b) / total


def style_features(text_a: str, text_b: str, names: Sequence[str] = STYLE_FEATURES) -> list[float]:
    """Per-battle style features for two answers, in the order of ``names``."""
    counts_a, counts_b = style_counts(text_a), style_counts(text_b)
    return [normalized_difference(counts_a[n], counts_b[n]) for n in names]


@dataclass(frozen=True)
class ContextualFit:
    """Natural-scale ratings (mean zero), standardized coefficients, and their sandwich
    covariance ordered as ratings then coefficients."""

    theta: torch.Tensor
    coefficients: torch.Tensor
    covariance: torch.Tensor
    iterations: int
    grad_norm: float


class _Design:
    """Battles reduced to what the fit touches: ordered-pair ids, scores, weights, raw features.

    All per-battle products with the standardized features ``z = (x - mean) / std`` go through
    :meth:`z_dot` and :meth:`moments`, which only ever allocate one column at a time.
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
        self.pair = a * n + b
        self.score = score if full else score[keep]
        self.features = battles.features if full else battles.features[keep]
        counts = (battles.counts if full else battles.counts[keep]).to(DTYPE)
        self.k = self.features.shape[1]
        frequency = float(counts.sum())
        self.mean = (self.features * counts[:, None]).sum(0) / frequency
        var = (((self.features - self.mean) ** 2) * counts[:, None]).sum(0) / frequency
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

    def z_dot(self, beta: torch.Tensor) -> torch.Tensor:
        scaled = beta / self.std
        return self.features @ scaled - (self.mean * scaled).sum()

    def pair_matrix(self, values: torch.Tensor) -> torch.Tensor:
        return torch.bincount(self.pair, weights=values, minlength=self.n * self.n).view(self.n, self.n)

    def moments(
        self, first: torch.Tensor, second: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Gradient pieces from ``first`` and Hessian-shaped blocks from ``second`` (per battle).

        Returns (rating gradient, feature gradient, rating-feature block, feature block).
        """
        n, k = self.n, self.k
        m_first = self.pair_matrix(first)
        grad_r = m_first.sum(1) - m_first.sum(0)
        m_second = self.pair_matrix(second)
        base_r = m_second.sum(1) - m_second.sum(0)
        sum_second = second.sum()
        grad_f = torch.empty(k, dtype=DTYPE, device=first.device)
        cross = torch.empty(n, k, dtype=DTYPE, device=first.device)
        raw = torch.empty(k, k, dtype=DTYPE, device=first.device)
        raw_sum = torch.empty(k, dtype=DTYPE, device=first.device)
        for f in range(k):
            column = self.features[:, f]
            grad_f[f] = (column @ first - self.mean[f] * first.sum()) / self.std[f]
            weighted = second * column
            m_col = self.pair_matrix(weighted)
            cross[:, f] = (m_col.sum(1) - m_col.sum(0) - self.mean[f] * base_r) / self.std[f]
            raw[:, f] = self.features.T @ weighted
            raw_sum[f] = weighted.sum()
        centered = (
            raw
            - torch.outer(self.mean, raw_sum)
            - torch.outer(raw_sum, self.mean)
            + sum_second * torch.outer(self.mean, self.mean)
        )
        block = centered / torch.outer(self.std, self.std)
        return grad_r, grad_f, cross, block

    def laplacian(self, values: torch.Tensor) -> torch.Tensor:
        m = self.pair_matrix(values)
        m = m + m.T
        return torch.diag(m.sum(1)) - m

    def probabilities(self, theta: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        diff = (theta[:, None] - theta[None, :]).reshape(-1)[self.pair]
        return torch.sigmoid(diff + self.z_dot(beta))

    def loss(self, theta: torch.Tensor, beta: torch.Tensor, lam: float) -> float:
        diff = (theta[:, None] - theta[None, :]).reshape(-1)[self.pair] + self.z_dot(beta)
        nll = (self.weight * (torch.nn.functional.softplus(diff) - self.score * diff)).sum()
        return float(nll) + 0.5 * lam * float((theta @ theta) + (beta @ beta))

    def hessian(
        self, prob: torch.Tensor, first: torch.Tensor, lam: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        curvature = self.weight * prob * (1.0 - prob)
        grad_r, grad_f, cross, block = self.moments(first, curvature)
        hess = torch.zeros(self.n + self.k, self.n + self.k, dtype=DTYPE, device=prob.device)
        hess[: self.n, : self.n] = self.laplacian(curvature)
        hess[: self.n, self.n :] = cross
        hess[self.n :, : self.n] = cross.T
        hess[self.n :, self.n :] = block
        hess += lam * torch.eye(self.n + self.k, dtype=DTYPE, device=prob.device)
        return torch.cat([grad_r, grad_f]), hess


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
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported to the caller
        prob = design.probabilities(theta, beta)
        grad, hess = design.hessian(prob, design.weight * (prob - design.score), lam)
        grad = grad + lam * torch.cat([theta, beta])
        grad_norm = float(grad.abs().max()) / design.total_weight
        if grad_norm <= tol:
            break
        chol, _ = torch.linalg.cholesky_ex(hess)
        step = -torch.cholesky_solve(grad[:, None], chol)[:, 0]
        size = 1.0
        for _ in range(30):
            trial_theta = theta + size * step[:n]
            trial_beta = beta + size * step[n:]
            trial_loss = design.loss(trial_theta, trial_beta, lam)
            if trial_loss <= loss + 1e-9 * max(abs(loss), 1.0):
                break
            size *= 0.5
        theta, beta, loss = trial_theta, trial_beta, trial_loss
    prob = design.probabilities(theta, beta)
    _, hess = design.hessian(prob, design.weight * (prob - design.score), lam)
    squared = design.weight * (design.score - prob) ** 2
    if design.importance is not None:
        squared = squared * design.importance
    _, _, cross, block = design.moments(squared, squared)
    meat = torch.zeros_like(hess)
    meat[:n, :n] = design.laplacian(squared)
    meat[:n, n:] = cross
    meat[n:, :n] = cross.T
    meat[n:, n:] = block
    gauge = torch.cat([torch.ones(n, dtype=DTYPE, device=device), torch.zeros(k, dtype=DTYPE, device=device)])
    covariance = gauge_fixed_sandwich(hess, meat, gauge)
    return ContextualFit(theta, beta, covariance, iterations, grad_norm)
