"""Pluralistic leaderboards: one board per annotator group, and how much each group disagrees.

Groups come from the demographics annotators chose to give (country, age band, languages),
read at each recompute so that a withdrawn consent or a deleted account takes effect on the
next run. Only annotators with `demographics_opt_in`, not deleted, count; a group gets a board
only with at least `group_min_annotators` distinct annotators (the arena's setting, floor 5),
so no board describes a handful of people.

Disagreement with the pooled (overall) board, stored with each group's snapshot:

- Spearman's rank correlation over the contenders both boards rank, with a 95% interval from
  a parametric bootstrap of both boards' ratings (normal, from their intervals);
- a likelihood-ratio test of the group's own strengths against the pooled ones on the group's
  votes (ties as half a win each): LR = 2 (log L_group - log L_pooled), chi-squared with
  m - 1 degrees of freedom for m contenders.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from annotators.models import Annotator
from leaderboard.models import GROUP_PREFIX
from leaderboard.ranking import BattleDataError, BattleSet, RankingResult
from leaderboard.services.ranking_rows import RankingColumns

logger = logging.getLogger(__name__)

BOOTSTRAP_DRAWS = 400
ELO_PER_LOGIT = 400 / np.log(10)


def annotator_groups(ids: list[uuid.UUID]) -> dict[str, set[uuid.UUID]]:
    """Group key ("country:FR", "age:25-34", "language:fr") -> consenting annotators."""
    groups: dict[str, set[uuid.UUID]] = {}
    people = Annotator.objects.filter(
        id__in=ids, demographics_opt_in=True, data_deleted_at__isnull=True
    ).values_list("id", "country", "age_band", "languages")
    for annotator_id, country, age_band, languages in people:
        keys = []
        if country:
            keys.append(f"country:{country.upper()}")
        if age_band:
            keys.append(f"age:{age_band}")
        keys.extend(f"language:{code.lower()}" for code in (languages or []) if code)
        for key in keys:
            groups.setdefault(key, set()).add(annotator_id)
    return groups


def group_masks(table: RankingColumns, keep: np.ndarray, min_annotators: int
                ) -> dict[str, tuple[np.ndarray, int]]:
    """Per group with enough annotators: its votes' mask and its number of annotators."""
    unique, inverse = np.unique(table.annotator, return_inverse=True)
    ids = [uuid.UUID(bytes=bytes(u)) for u in unique]
    position = {annotator_id: k for k, annotator_id in enumerate(ids)}
    masks: dict[str, tuple[np.ndarray, int]] = {}
    for key, members in sorted(annotator_groups(ids).items()):
        if len(members) < min_annotators:
            continue
        chosen = np.zeros(len(ids), dtype=bool)
        chosen[[position[m] for m in members]] = True
        masks[key] = (chosen[inverse] & keep, len(members))
    return masks


def _log_likelihood(battles: BattleSet, logits: dict[str, float]) -> float:
    names = battles.models
    theta = np.array([logits.get(name, 0.0) for name in names])
    a, b = battles.model_a.cpu().numpy(), battles.model_b.cpu().numpy()
    outcome, counts = battles.outcome.cpu().numpy(), battles.counts.cpu().numpy()
    p = 1 / (1 + np.exp(theta[b] - theta[a]))
    score = np.where(outcome == 0, 1.0, np.where(outcome == 1, 0.0, 0.5))
    eps = 1e-12
    return float(np.sum(counts * (score * np.log(p + eps) + (1 - score) * np.log(1 - p + eps))))


def _ratings(result: RankingResult) -> dict[str, tuple[float, float]]:
    """Model -> (rating in logits, standard error in logits)."""
    out = {}
    for name, rating, lower, upper in zip(result.models, result.ratings, result.lower,
                                          result.upper, strict=True):
        se = (upper - lower) / (2 * 1.96) if np.isfinite(upper - lower) else 0.0
        out[name] = (rating / ELO_PER_LOGIT, se / ELO_PER_LOGIT)
    return out


def disagreement(battles: BattleSet, group: RankingResult, pooled: RankingResult,
                 seed: int = 0) -> dict[str, Any]:
    """How far the group's board is from the pooled one (see the module's docstring)."""
    mine, theirs = _ratings(group), _ratings(pooled)
    shared = [m for m in mine if m in theirs]
    report: dict[str, Any] = {"contenders": len(shared)}
    if len(shared) >= 3:
        g = np.array([[mine[m][0], mine[m][1]] for m in shared])
        p = np.array([[theirs[m][0], theirs[m][1]] for m in shared])
        rho = float(stats.spearmanr(g[:, 0], p[:, 0]).statistic)
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(BOOTSTRAP_DRAWS):
            gd = g[:, 0] + rng.normal(0, 1, len(shared)) * g[:, 1]
            pd = p[:, 0] + rng.normal(0, 1, len(shared)) * p[:, 1]
            draws.append(stats.spearmanr(gd, pd).statistic)
        low, high = np.nanpercentile(draws, [2.5, 97.5])
        report["spearman"] = round(rho, 4)
        report["spearman_interval"] = [round(float(low), 4), round(float(high), 4)]
    own = {m: r for m, (r, _) in mine.items()}
    pooled_logits = {m: r for m, (r, _) in theirs.items()}
    lr = max(0.0, 2 * (_log_likelihood(battles, own) - _log_likelihood(battles, pooled_logits)))
    df = max(len(own) - 1, 1)
    report["likelihood_ratio"] = round(lr, 3)
    report["df"] = df
    report["p_value"] = float(stats.chi2.sf(lr, df))
    return report


def group_boards(
    *, table: RankingColumns, keep: np.ndarray, min_annotators: int, pooled: RankingResult | None,
    battle_set: Callable[[np.ndarray], BattleSet], fit: Callable[[BattleSet], RankingResult],
) -> list[tuple[str, BattleSet, RankingResult, dict[str, Any]]]:
    """(category, battles, result, disagreement) per group large enough to show."""
    boards = []
    for key, (mask, annotators) in group_masks(table, keep, min_annotators).items():
        battles = battle_set(mask)
        if battles.num_models < 2:
            continue
        try:
            result = fit(battles)
        except BattleDataError as error:  # e.g. a group whose votes are all ties
            logger.info("group board %s skipped: %s", key, error)
            continue
        report = disagreement(battles, result, pooled) if pooled is not None else {}
        report["annotators"] = annotators
        boards.append((GROUP_PREFIX + key, battles, result, report))
    return boards
