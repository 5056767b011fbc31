"""Plackett-Luce: ratings from rankings of K answers (a study's best-to-worst orders).

A ranking of K items is K-1 choices: the first is picked from all K with probability
``exp(theta_c) / sum exp(theta_S)``, the second from the rest, and so on. Tied items are
handled as Bradley-Terry handles a tie (half a win each way): the log-likelihood of a ranking
with tie groups is the average over every order the ties allow, so with K = 2 the model *is*
Bradley-Terry with ties as half wins, and the two agree to rounding (tested).

A partial ranking (top-k: "this one is best" of a best-of-K vote) keeps its last group as the
*unordered rest*: its members are in play at every choice before it, and no choice is made among
them. Reading that group as a tie would claim the rest were equally good, which the annotator
never said; top-1 is the plain multinomial logit ``exp(theta_best) / sum exp(theta_S)``.

The fit is damped Newton with a dense Hessian (studies have tens of contenders, not
thousands); intervals are the sandwich ``H^-1 J H^-1`` with one score per ranking, or a
Poisson bootstrap over rankings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

from leaderboard.ranking.battles import A_WINS, B_WINS, BOTH_BAD, BattleDataError, BattleSet, BothBad
from leaderboard.ranking.bradley_terry import DEFAULT_REG, DEFAULT_TOL, NewtonResult
from leaderboard.ranking.device import DTYPE
from leaderboard.ranking.intervals import gauge_fixed_sandwich

MAX_ITEMS = 4
Ranking = Sequence[Sequence[str]]


@dataclass(frozen=True)
class Rankings:
    """Distinct rankings with counts. ``groups[u]`` is ranking ``u`` as tie groups of model
    indices, best group first; ``counts[u]`` how many annotators gave it; ``tails[u]`` whether
    its last group is the unordered rest of a partial ranking (empty: none is)."""

    models: list[str]
    groups: list[tuple[tuple[int, ...], ...]]
    counts: list[float]
    tails: list[bool] = field(default_factory=list)

    def tail(self, u: int) -> bool:
        return bool(self.tails) and self.tails[u]

    @classmethod
    def from_rankings(
        cls, rankings: Iterable[Ranking], *, counts: Iterable[float] | None = None,
        unordered_rest: bool = False,
    ) -> Rankings:
        """From rankings written as tie groups of names, e.g. ``[["a"], ["b", "c"], ["d"]]``.

        With ``unordered_rest`` each ranking's last group is the rest, left unordered: a
        best-of-K choice is ``[["best"], ["the", "others"]]``.
        """
        index: dict[str, int] = {}
        merged: dict[tuple[tuple[int, ...], ...], float] = {}
        weights = iter(counts) if counts is not None else itertools.repeat(1.0)
        for number, ranking in enumerate(rankings):
            count = float(next(weights))
            if not count >= 0 or count == float("inf"):
                raise BattleDataError(f"ranking {number}: count must be a finite non-negative number")
            groups = []
            seen: set[str] = set()
            for group in ranking:
                if not group:
                    raise BattleDataError(f"ranking {number}: an empty tie group")
                names = []
                for name in group:
                    if not isinstance(name, str) or not name:
                        raise BattleDataError(f"ranking {number}: model names must be non-empty strings")
                    if name in seen:
                        raise BattleDataError(f"ranking {number}: {name!r} appears twice")
                    seen.add(name)
                    names.append(index.setdefault(name, len(index)))
                groups.append(tuple(sorted(names)))
            if not 2 <= len(seen) <= MAX_ITEMS:
                raise BattleDataError(
                    f"ranking {number}: ranks {len(seen)} items; 2 to {MAX_ITEMS} are supported"
                )
            if unordered_rest and len(groups) < 2:
                raise BattleDataError(f"ranking {number}: a partial ranking needs a choice "
                                      "before the unordered rest")
            key = tuple(groups)
            merged[key] = merged.get(key, 0.0) + count
        return cls(list(index), list(merged), list(merged.values()),
                   [unordered_rest] * len(merged) if unordered_rest else [])

    @classmethod
    def from_battles(cls, battles: BattleSet, both_bad: BothBad = "tie") -> Rankings:
        """Pairwise votes as rankings of two; a tie (and both-bad, unless dropped) ties them."""
        merged: dict[tuple[tuple[int, ...], ...], float] = {}
        rows = zip(
            battles.model_a.tolist(),
            battles.model_b.tolist(),
            battles.outcome.tolist(),
            battles.counts.tolist(),
            strict=True,
        )
        for a, b, outcome, count in rows:
            if a == b or count <= 0 or (outcome == BOTH_BAD and both_bad == "drop"):
                continue
            if outcome == A_WINS:
                key: tuple[tuple[int, ...], ...] = ((a,), (b,))
            elif outcome == B_WINS:
                key = ((b,), (a,))
            else:
                key = ((min(a, b), max(a, b)),)
            merged[key] = merged.get(key, 0.0) + count
        return cls(list(battles.models), list(merged), list(merged.values()))

    @property
    def num_models(self) -> int:
        return len(self.models)

    def votes_per_model(self) -> torch.Tensor:
        """Rankings each contender appears in."""
        votes = torch.zeros(self.num_models, dtype=DTYPE)
        for groups, count in zip(self.groups, self.counts, strict=True):
            for group in groups:
                for k in group:
                    votes[k] += count
        return votes

    def pair_outcomes(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The pairwise comparisons a ranking implies, summed per pair ``i < j``: ends, ``i``'s
        score (ties half) and total, for :func:`leaderboard.ranking.support.contender_flags`."""
        sums: dict[tuple[int, int], list[float]] = {}
        for u, (groups, count) in enumerate(zip(self.groups, self.counts, strict=True)):
            placed = [(k, level) for level, group in enumerate(groups) for k in group]
            rest = len(groups) - 1 if self.tail(u) else -1
            for (x, lx), (y, ly) in itertools.combinations(placed, 2):
                if lx == ly == rest:
                    continue  # the unordered rest says nothing about its members' order
                i, j = min(x, y), max(x, y)
                li = lx if i == x else ly
                lj = ly if j == y else lx
                score = 0.5 if li == lj else float(li < lj)
                entry = sums.setdefault((i, j), [0.0, 0.0])
                entry[0] += count * score
                entry[1] += count
        keys = sorted(sums)
        return (
            torch.tensor([k[0] for k in keys], dtype=torch.int64),
            torch.tensor([k[1] for k in keys], dtype=torch.int64),
            torch.tensor([sums[k][0] for k in keys], dtype=DTYPE),
            torch.tensor([sums[k][1] for k in keys], dtype=DTYPE),
        )


@dataclass(frozen=True)
class Stages:
    """Every choice of every order the rankings allow, padded to ``MAX_ITEMS`` members (none
    among a partial ranking's unordered rest, which stays in play at every choice before it).

    ``members[s]`` are model indices still in play (-1 padding), ``chosen[s]`` the position of
    the pick within them, ``share[s]`` 1/(orders the ranking's ties allow), ``unit[s]`` the
    ranking, and ``slot[s]`` each member's position within the ranking's own items.
    """

    members: torch.Tensor
    chosen: torch.Tensor
    share: torch.Tensor
    unit: torch.Tensor
    slot: torch.Tensor
    unit_items: torch.Tensor

    @classmethod
    def build(cls, rankings: Rankings) -> Stages:
        members, chosen, share, unit, slot, unit_items = [], [], [], [], [], []
        for u, groups in enumerate(rankings.groups):
            items = [k for group in groups for k in group]
            unit_items.append(items + [-1] * (MAX_ITEMS - len(items)))
            tail = rankings.tail(u)
            ordered, unordered = (groups[:-1], list(groups[-1])) if tail else (groups, [])
            orders = [
                [k for part in parts for k in part]
                for parts in itertools.product(*(itertools.permutations(g) for g in ordered))
            ]
            for order in orders:
                for s in range(len(order) if tail else len(order) - 1):
                    rest = order[s:] + unordered
                    members.append(rest + [-1] * (MAX_ITEMS - len(rest)))
                    slot.append([items.index(k) for k in rest] + [0] * (MAX_ITEMS - len(rest)))
                    chosen.append(0)
                    share.append(1.0 / len(orders))
                    unit.append(u)
        return cls(
            torch.tensor(members, dtype=torch.int64).reshape(-1, MAX_ITEMS),
            torch.tensor(chosen, dtype=torch.int64),
            torch.tensor(share, dtype=DTYPE),
            torch.tensor(unit, dtype=torch.int64),
            torch.tensor(slot, dtype=torch.int64).reshape(-1, MAX_ITEMS),
            torch.tensor(unit_items, dtype=torch.int64).reshape(-1, MAX_ITEMS),
        )

    @property
    def valid(self) -> torch.Tensor:
        return self.members >= 0

    def probabilities(self, theta: torch.Tensor) -> torch.Tensor:
        logits = theta[self.members.clamp(min=0)].masked_fill(~self.valid, float("-inf"))
        return torch.softmax(logits, dim=1)

    def loss(self, theta: torch.Tensor, weight: torch.Tensor, lam: float) -> torch.Tensor:
        logits = theta[self.members.clamp(min=0)].masked_fill(~self.valid, float("-inf"))
        picked = logits.gather(1, self.chosen[:, None])[:, 0]
        nll = (weight * (torch.logsumexp(logits, dim=1) - picked)).sum()
        return nll + 0.5 * lam * (theta * theta).sum()

    def residual(self, theta: torch.Tensor) -> torch.Tensor:
        """Per stage and member, ``p - 1[chosen]`` (padding zero): the negative score."""
        prob = self.probabilities(theta)
        return prob - torch.nn.functional.one_hot(self.chosen, MAX_ITEMS).to(DTYPE)

    def gradient(self, theta: torch.Tensor, weight: torch.Tensor, lam: float) -> torch.Tensor:
        values = weight[:, None] * self.residual(theta) * self.valid
        grad = torch.zeros_like(theta).index_add_(0, self.members[self.valid], values[self.valid])
        return grad + lam * theta

    def hessian(self, theta: torch.Tensor, weight: torch.Tensor, lam: float) -> torch.Tensor:
        n = theta.shape[0]
        prob = self.probabilities(theta) * self.valid
        block = torch.diag_embed(prob) - prob[:, :, None] * prob[:, None, :]
        block = weight[:, None, None] * block
        index = self.members.clamp(min=0)
        flat = (index[:, :, None] * n + index[:, None, :]).reshape(-1)
        hess = torch.zeros(n * n, dtype=DTYPE).index_add_(0, flat, block.reshape(-1)).view(n, n)
        return hess + lam * torch.eye(n, dtype=DTYPE)

    def meat(self, theta: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """``sum_u c_u g_u g_u^T`` with ``g_u`` the score of one ranking ``u``."""
        n = theta.shape[0]
        units = self.unit_items.shape[0]
        values = (self.share[:, None] * self.residual(theta) * self.valid).reshape(-1)
        flat = (self.unit[:, None] * MAX_ITEMS + self.slot).reshape(-1)
        score = torch.zeros(units * MAX_ITEMS, dtype=DTYPE).index_add_(0, flat, values).view(units, MAX_ITEMS)
        score = score * (self.unit_items >= 0)
        outer = counts[:, None, None] * score[:, :, None] * score[:, None, :]
        index = self.unit_items.clamp(min=0)
        cells = (index[:, :, None] * n + index[:, None, :]).reshape(-1)
        return torch.zeros(n * n, dtype=DTYPE).index_add_(0, cells, outer.reshape(-1)).view(n, n)


def fit_plackett_luce(
    stages: Stages,
    counts: torch.Tensor,
    n: int,
    *,
    reg: float = DEFAULT_REG,
    tol: float = DEFAULT_TOL,
    max_iter: int = 100,
    init: torch.Tensor | None = None,
) -> NewtonResult:
    """Damped Newton; ``theta`` comes back with shape (1, n) and mean zero, as the BT fit's."""
    total = float(counts.sum())
    if total <= 0:
        raise BattleDataError("nothing to fit: every ranking has a count of zero")
    weight = counts[stages.unit] * stages.share
    lam = reg * total
    theta = torch.zeros(n, dtype=DTYPE) if init is None else init.reshape(-1).clone()
    loss = stages.loss(theta, weight, lam)
    status = f"not converged after {max_iter} iterations"
    grad_norm = float("inf")
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported to the caller
        grad = stages.gradient(theta, weight, lam)
        grad_norm = float(grad.abs().max()) / total
        if grad_norm <= tol:
            status = "converged"
            break
        if grad_norm != grad_norm:
            status = "gradient is NaN"
            break
        chol, info = torch.linalg.cholesky_ex(stages.hessian(theta, weight, lam))
        if int(info) != 0:
            status = "Hessian is not positive definite (or NaN)"
            break
        step = -torch.cholesky_solve(grad[:, None], chol)[:, 0]
        size = 1.0
        for _ in range(30):
            trial = theta + size * step
            trial_loss = stages.loss(trial, weight, lam)
            if trial_loss <= loss + 1e-9 * max(abs(float(loss)), 1.0):
                break
            size *= 0.5
        else:
            status = "line search found no decrease"
            break
        theta, loss = trial, trial_loss
    return NewtonResult(theta=theta[None, :], iterations=iterations, grad_norm=grad_norm, status=status)


def sandwich_plackett_luce(
    stages: Stages, counts: torch.Tensor, theta: torch.Tensor, reg: float = DEFAULT_REG
) -> torch.Tensor:
    """Robust covariance (mean-zero gauge) with one score per ranking, shape (n, n)."""
    theta = theta.reshape(-1)
    weight = counts[stages.unit] * stages.share
    hess = stages.hessian(theta, weight, reg * float(counts.sum()))
    meat = stages.meat(theta, counts)
    return gauge_fixed_sandwich(hess, meat, torch.ones_like(theta))


def bootstrap_plackett_luce(
    stages: Stages,
    counts: torch.Tensor,
    theta: torch.Tensor,
    num_replicates: int,
    *,
    seed: int = 0,
    reg: float = DEFAULT_REG,
) -> tuple[torch.Tensor, str]:
    """Poisson-bootstrap replicates over rankings, shape (B, n), and the first failure if any."""
    generator = torch.Generator(device="cpu").manual_seed(seed)
    samples, status = [], "converged"
    for _ in range(num_replicates):
        resampled = torch.poisson(counts, generator=generator)
        if float(resampled.sum()) <= 0:
            resampled = counts
        fit = fit_plackett_luce(stages, resampled, theta.shape[-1], reg=reg, init=theta)
        samples.append(fit.theta[0])
        if status == "converged":
            status = fit.status
    return torch.stack(samples), status
