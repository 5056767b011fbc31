"""The entry points: battles in, a :class:`RankingResult` out.

This is the only module that knows about the Elo scale, anchors and presentation; the fitters
below it work in natural log-odds with mean-zero ratings.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from typing import Literal

import torch

from leaderboard.ranking.battles import BOTH_BAD, BattleDataError, BattleSet, BothBad
from leaderboard.ranking.bradley_terry import (
    DEFAULT_REG,
    OutcomeRows,
    fit_rows,
    outcome_rows,
    pair_sums,
    sparse_solver,
)
from leaderboard.ranking.device import DTYPE, resolve_device, single_threaded_unless_large
from leaderboard.ranking.elo import online_elo
from leaderboard.ranking.intervals import (
    Z_95,
    bootstrap_bt,
    percentile_interval,
    sandwich_bt,
    sandwich_diagonal_bt,
)
from leaderboard.ranking.plackett_luce import (
    Rankings,
    Stages,
    bootstrap_plackett_luce,
    fit_plackett_luce,
    sandwich_plackett_luce,
)
from leaderboard.ranking.result import RankingResult, StyleCoefficient
from leaderboard.ranking.style import fit_contextual
from leaderboard.ranking.support import (
    DEFAULT_MIN_VOTES,
    UNBEATEN,
    WINLESS,
    contender_flags,
    ranks_among,
)

CIMethod = Literal["sandwich", "bootstrap", "none"]


def _active(battles: BattleSet, both_bad: BothBad) -> tuple[BattleSet, list[int]]:
    """Drop contenders with nothing to fit (no votes, or only dropped ones) and reindex.

    A contender without comparisons has no rating at all; leaving it in would put it at the
    field average with a zero-width interval, which is worse than leaving it off.
    """
    if both_bad not in ("tie", "drop"):
        raise ValueError(f"both_bad must be 'tie' or 'drop', not {both_bad!r}")
    keep = battles.model_a != battles.model_b
    keep &= battles.counts > 0
    if both_bad == "drop":
        keep &= battles.outcome != BOTH_BAD
    full = bool(keep.all())
    sub = battles if full else battles.subset(keep)
    used = (sub.votes_per_model() > 0).cpu()
    if int(used.sum()) < 2:
        dropped = " once both-bad votes are dropped" if both_bad == "drop" else ""
        raise BattleDataError(
            "nothing left to fit: fewer than two contenders have a vote between different "
            f"contenders with a positive count{dropped}"
        )
    if full and bool(used.all()):
        return battles, list(range(battles.num_models))
    index = torch.full((battles.num_models,), -1, dtype=torch.int64, device=sub.model_a.device)
    kept = used.nonzero().flatten()
    index[kept.to(index.device)] = torch.arange(kept.shape[0], device=index.device)
    compact = BattleSet(
        [battles.models[k] for k in kept.tolist()],
        index[sub.model_a],
        index[sub.model_b],
        sub.outcome,
        sub.counts,
        sub.features,
        sub.feature_names,
    )
    return compact, kept.tolist()


def _offset(
    theta_elo: torch.Tensor,
    models: Sequence[str],
    init_rating: float,
    anchor: tuple[str, float] | None,
) -> float:
    """Constant added to mean-zero Elo-scale ratings: the initial rating, or the anchor's.

    The anchor only relabels the scale; intervals keep describing uncertainty relative to the
    field, so the anchored contender keeps its own interval.
    """
    if anchor is None:
        return init_rating
    name, rating = anchor
    if name not in models:
        raise ValueError(f"anchor contender {name!r} has no votes in this battle set")
    return rating - float(theta_elo[list(models).index(name)])


def contender_support(rows: OutcomeRows, votes: torch.Tensor, min_votes: float) -> list[list[str]]:
    """Flags per fitted contender (see :mod:`leaderboard.ranking.support`)."""
    total, score = pair_sums(rows, rows.count[None, :])
    won_or_lost = rows.count * (rows.score != 0.5)
    decisive = torch.zeros(rows.num_models, dtype=DTYPE, device=won_or_lost.device)
    decisive.index_add_(0, rows.pair_i[rows.pair], won_or_lost)
    decisive.index_add_(0, rows.pair_j[rows.pair], won_or_lost)
    return contender_flags(
        rows.num_models, rows.pair_i, rows.pair_j, score[0], total[0], votes,
        min_votes=min_votes, decisive=decisive,
    )


def _unbounded(lower: torch.Tensor, upper: torch.Tensor, flags: list[list[str]]) -> None:
    """An unbeaten contender has no upper bound and a winless one no lower bound: say so."""
    for k, marks in enumerate(flags):
        if UNBEATEN in marks:
            upper[k] = math.inf
        if WINLESS in marks:
            lower[k] = -math.inf


@single_threaded_unless_large
def rank_battles(
    battles: BattleSet,
    *,
    ci: CIMethod = "sandwich",
    num_bootstrap: int = 1000,
    seed: int = 0,
    both_bad: BothBad = "tie",
    style: bool = False,
    reweight: bool = False,
    min_pair_count: float = 50.0,
    scale: float = 400.0,
    base: float = 10.0,
    init_rating: float = 1000.0,
    anchor: tuple[str, float] | None = None,
    sandwich_ridge: float = 0.0,
    reg: float = DEFAULT_REG,
    min_votes: float = DEFAULT_MIN_VOTES,
    device: str | torch.device | None = None,
) -> RankingResult:
    """Bradley-Terry leaderboard with 95% intervals and ranks that respect them.

    ``style=True`` fits contextual Bradley-Terry on ``battles.features`` (sandwich intervals
    only) and reports the style coefficients. ``reweight`` weights battles by 1/P(pair).
    Contenders the votes cannot place (fewer than ``min_votes``, unbeaten, winless, outside
    the main comparison group) are flagged and left unranked. Raises
    :class:`BattleDataError` when nothing is left to fit.
    """
    started = time.perf_counter()
    if ci not in ("sandwich", "bootstrap", "none"):
        raise ValueError(f"ci must be 'sandwich', 'bootstrap' or 'none', not {ci!r}")
    if style and ci == "bootstrap":
        raise ValueError("style control reports sandwich intervals only")
    where = resolve_device(device)
    if battles.num_rows == 0:
        raise BattleDataError("nothing to fit: no battles")
    if not style:
        # Everything below depends on the votes only through (a, b, outcome) counts, so merge
        # identical votes first: one pass over the votes, then work on ~n^2 rows at most.
        battles = _plain(battles)
    votes_all = battles.votes_per_model()
    fitted, kept = _active(battles, both_bad)
    factor = scale / math.log(base)
    coefficients: list[StyleCoefficient] = []
    plain_rows = outcome_rows(_plain(fitted) if style else fitted, both_bad)
    flags = contender_support(plain_rows, votes_all[kept], min_votes)
    convergence: dict[str, object]
    if style:
        if fitted.features is None:
            raise ValueError("style control needs battles with per-battle features")
        ctx = fit_contextual(
            fitted.to(where),
            both_bad=both_bad,
            reweight=reweight,
            min_pair_count=min_pair_count,
            reg=reg,
        )
        convergence = ctx.report()
        theta = ctx.theta
        n = theta.shape[0]
        se = ctx.covariance.diagonal().clamp(min=0).sqrt()
        for f, name in enumerate(fitted.feature_names):
            coef, spread = float(ctx.coefficients[f]), Z_95 * float(se[n + f])
            coefficients.append(StyleCoefficient(name, coef, coef - spread, coef + spread))
        lower_nat, upper_nat = theta - Z_95 * se[:n], theta + Z_95 * se[:n]
    else:
        rows = outcome_rows(
            fitted.to(where),
            both_bad,
            reweight,
            min_pair_count,
        )
        fit = fit_rows(rows, reg=reg)
        convergence = fit.report()
        theta = fit.theta[0]
        if ci == "sandwich" and sparse_solver(rows.num_models, 1):
            se = sandwich_diagonal_bt(rows, theta, reg=reg).sqrt()
            lower_nat, upper_nat = theta - Z_95 * se, theta + Z_95 * se
        elif ci == "sandwich":
            cov = sandwich_bt(rows, theta, reg=reg, ridge=sandwich_ridge)
            se = cov.diagonal().clamp(min=0).sqrt()
            lower_nat, upper_nat = theta - Z_95 * se, theta + Z_95 * se
        elif ci == "bootstrap":
            samples, status = bootstrap_bt(rows, theta, num_bootstrap, seed=seed, reg=reg)
            convergence["bootstrap"] = status
            lower_nat, upper_nat = percentile_interval(samples)
        else:
            lower_nat, upper_nat = theta, theta
    offset = _offset(theta * factor, fitted.models, init_rating, anchor)
    ratings = (theta * factor + offset).cpu()
    lower = (lower_nat * factor + offset).cpu()
    upper = (upper_nat * factor + offset).cpu()
    _unbounded(lower, upper, flags)
    params = {
        "ci": ci,
        "num_bootstrap": num_bootstrap if ci == "bootstrap" else None,
        "seed": seed if ci == "bootstrap" else None,
        "both_bad": both_bad,
        "style": style,
        "features": list(fitted.feature_names) if style else [],
        "reweight": reweight,
        "min_pair_count": min_pair_count if reweight else None,
        "scale": scale,
        "base": base,
        "init_rating": init_rating,
        "anchor": list(anchor) if anchor else None,
        "sandwich_ridge": sandwich_ridge,
        "reg": reg,
        "min_votes": min_votes,
        "intervals": "sandwich_diagonal" if ci == "sandwich" and not style and sparse_solver(len(kept), 1)
        else ci,
    }
    return RankingResult(
        models=list(fitted.models),
        ratings=ratings.tolist(),
        lower=lower.tolist(),
        upper=upper.tolist(),
        rank=ranks_among(lower.tolist(), upper.tolist(), flags),
        votes=votes_all[kept].tolist(),
        method="bradley_terry_style" if style else "bradley_terry",
        params=params,
        device=str(where),
        duration_s=time.perf_counter() - started,
        coefficients=coefficients,
        flags=flags,
        convergence=convergence,
    )


def _plain(battles: BattleSet) -> BattleSet:
    """The battles without their features, aggregated, for a fit that ignores style."""
    bare = BattleSet(battles.models, battles.model_a, battles.model_b, battles.outcome, battles.counts)
    return bare.aggregated()


def rank_records(
    records: Iterable[Sequence[object]],
    *,
    models: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    **options: object,
) -> RankingResult:
    """Rank ``(model_a, model_b, winner[, features])`` tuples; options as :func:`rank_battles`."""
    battles = BattleSet.from_records(records, models=models, feature_names=feature_names)
    return rank_battles(battles, **options)  # type: ignore[arg-type]


def rank_online_elo(
    battles: BattleSet,
    *,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    init_rating: float = 1000.0,
    both_bad: BothBad = "tie",
    min_votes: float = DEFAULT_MIN_VOTES,
) -> RankingResult:
    """Online Elo as a result of the same shape; it has no intervals, so bounds equal ratings."""
    started = time.perf_counter()
    fitted, kept = _active(battles, both_bad)
    ratings = online_elo(fitted, k=k, scale=scale, base=base, init_rating=init_rating, both_bad=both_bad)
    votes = battles.votes_per_model()[kept]
    flags = contender_support(outcome_rows(_plain(fitted), both_bad), votes, min_votes)
    return RankingResult(
        models=list(fitted.models),
        ratings=ratings.tolist(),
        lower=ratings.tolist(),
        upper=ratings.tolist(),
        rank=ranks_among(ratings.tolist(), ratings.tolist(), flags),
        votes=votes.tolist(),
        flags=flags,
        convergence={"converged": True, "status": "converged", "iterations": 1, "grad_norm": None},
        method="online_elo",
        params={
            "k": k,
            "scale": scale,
            "base": base,
            "init_rating": init_rating,
            "both_bad": both_bad,
        },
        device="cpu",
        duration_s=time.perf_counter() - started,
    )


def rank_rankings(
    rankings: Rankings,
    *,
    ci: CIMethod = "sandwich",
    num_bootstrap: int = 1000,
    seed: int = 0,
    both_bad: BothBad = "tie",
    scale: float = 400.0,
    base: float = 10.0,
    init_rating: float = 1000.0,
    anchor: tuple[str, float] | None = None,
    reg: float = DEFAULT_REG,
    min_votes: float = DEFAULT_MIN_VOTES,
) -> RankingResult:
    """Plackett-Luce leaderboard from rankings of 2-4 items, on the same Elo scale as
    :func:`rank_battles` (with K = 2 the two agree). Runs on the CPU: a study is small."""
    started = time.perf_counter()
    if ci not in ("sandwich", "bootstrap", "none"):
        raise ValueError(f"ci must be 'sandwich', 'bootstrap' or 'none', not {ci!r}")
    counts = torch.tensor(rankings.counts, dtype=DTYPE)
    votes_all = rankings.votes_per_model()
    kept = (votes_all > 0).nonzero().flatten().tolist()
    if len(kept) < 2:
        raise BattleDataError("nothing left to fit: fewer than two contenders are ranked")
    if len(kept) < rankings.num_models:
        remap = {old: new for new, old in enumerate(kept)}
        rankings = Rankings(
            [rankings.models[k] for k in kept],
            [tuple(tuple(remap[k] for k in g) for g in groups) for groups in rankings.groups],
            rankings.counts,
            rankings.tails,
        )
    n = rankings.num_models
    stages = Stages.build(rankings)
    fit = fit_plackett_luce(stages, counts, n, reg=reg)
    convergence: dict[str, object] = dict(fit.report())
    theta = fit.theta[0]
    if ci == "sandwich":
        se = sandwich_plackett_luce(stages, counts, theta, reg=reg).diagonal().clamp(min=0).sqrt()
        lower_nat, upper_nat = theta - Z_95 * se, theta + Z_95 * se
    elif ci == "bootstrap":
        samples, status = bootstrap_plackett_luce(stages, counts, theta, num_bootstrap, seed=seed, reg=reg)
        convergence["bootstrap"] = status
        lower_nat, upper_nat = percentile_interval(samples)
    else:
        lower_nat, upper_nat = theta, theta
    pair_i, pair_j, score, total = rankings.pair_outcomes()
    votes = votes_all[kept]
    flags = contender_flags(n, pair_i, pair_j, score, total, votes, min_votes=min_votes)
    factor = scale / math.log(base)
    offset = _offset(theta * factor, rankings.models, init_rating, anchor)
    lower = lower_nat * factor + offset
    upper = upper_nat * factor + offset
    _unbounded(lower, upper, flags)
    return RankingResult(
        models=list(rankings.models),
        ratings=(theta * factor + offset).tolist(),
        lower=lower.tolist(),
        upper=upper.tolist(),
        rank=ranks_among(lower.tolist(), upper.tolist(), flags),
        votes=votes.tolist(),
        method="plackett_luce",
        params={
            "ci": ci,
            "num_bootstrap": num_bootstrap if ci == "bootstrap" else None,
            "seed": seed if ci == "bootstrap" else None,
            "both_bad": both_bad,
            "max_items": max(len([k for g in groups for k in g]) for groups in rankings.groups),
            "scale": scale,
            "base": base,
            "init_rating": init_rating,
            "anchor": list(anchor) if anchor else None,
            "reg": reg,
            "min_votes": min_votes,
        },
        device="cpu",
        duration_s=time.perf_counter() - started,
        flags=flags,
        convergence=convergence,
    )
