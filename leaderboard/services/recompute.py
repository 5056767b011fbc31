"""Recomputing an arena's leaderboards: read valid votes once, fit every category, store.

Rankings are a pure function of the valid-vote set: the same votes give the same snapshots
(bootstrap intervals use a fixed seed). Side-by-side votes never rank, since the annotator
knew the names; invalidated votes never rank; both are counted in the snapshot's `excluded`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction

from battles.modalities import arena_settings, modality_spec
from battles.models import Arena, Contender
from leaderboard.models import OVERALL, CategoryTag, LeaderboardSnapshot
from leaderboard.ranking import (
    STYLE_FEATURES,
    BattleDataError,
    BattleSet,
    RankingResult,
    battle_count_matrix,
    win_rate_matrix,
)
from leaderboard.ranking.battles import BOTH_BAD
from leaderboard.ranking.methods import STYLE_METHOD, FitOptions, method_get
from leaderboard.services.groups import group_boards
from leaderboard.services.ranking_read import ranking_columns_load
from leaderboard.services.ranking_rows import RankingColumns, ranking_rows_fill, tag_flags_refresh
from leaderboard.services.vote_table import ASPECT_CATEGORY_PREFIX, VoteTable, aspect_votes_load

logger = logging.getLogger(__name__)


@dataclass
class RecomputeReport:
    """What a run did and where its time went, for logs and the benchmark."""

    arena_id: int
    num_votes: int = 0
    snapshots: int = 0
    categories: list[str] = field(default_factory=list)
    plain_stored_after_s: float = 0.0  # from the run's start until the plain boards showed
    style_due: bool = False  # a plain-only run of an arena with style control: the style part
    seconds: dict[str, float] = field(
        default_factory=lambda: {"prepare": 0.0, "query": 0.0, "features": 0.0, "fit": 0.0, "store": 0.0}
    )


@dataclass(frozen=True)
class RankingOptions:
    """Per-arena ranking choices."""

    both_bad: str
    ci: str
    num_bootstrap: int

    style_control: bool = True
    methods: tuple[str, ...] = ("bradley_terry",)
    min_votes: int = 10

    @classmethod
    def for_arena(cls, arena: Arena) -> RankingOptions:
        """From the arena's typed settings (validated when saved; a stored typo still fails
        here loudly). Style control only where the modality's answers have text style."""
        options = arena_settings(arena)
        return cls(options.both_bad, options.ci, options.num_bootstrap,
                   style_control=modality_spec(arena.modality).style_features,
                   methods=tuple(options.methods), min_votes=options.unranked_below_votes)


def _battle_set(table: VoteTable | RankingColumns, mask: np.ndarray, features: np.ndarray) -> BattleSet:
    a, b = table.contender_a[mask], table.contender_b[mask]
    ids, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    return BattleSet.from_indices(
        [str(i) for i in ids],
        inverse[: a.shape[0]],
        inverse[a.shape[0] :],
        table.outcome[mask],
        features=features[mask],
        feature_names=STYLE_FEATURES,
    )


def _clean(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _matrices(battles: BattleSet, result: RankingResult, both_bad: str) -> dict[str, Any]:
    order = [battles.models.index(m) for m in result.models]
    wins = win_rate_matrix(battles, both_bad)[order][:, order]  # type: ignore[arg-type]
    count = battle_count_matrix(battles, both_bad)[order][:, order]  # type: ignore[arg-type]
    return {
        "contender_ids": [int(m) for m in result.models],
        "win_rate": [[_clean(x) for x in row] for row in wins.tolist()],
        "battle_count": [[int(x) for x in row] for row in count.tolist()],
    }


def _result_json(result: RankingResult, names: dict[int, str]) -> dict[str, Any]:
    data = result.to_dict()
    rows = []
    for row in data["rows"]:
        contender_id = int(row.pop("model"))
        rows.append({"contender_id": contender_id, "name": names.get(contender_id, "?"), **row})
    data["rows"] = rows
    return data


def _fits(
    battles: BattleSet, *, style: bool, options: RankingOptions
) -> list[RankingResult]:
    """One result per published method (the style-controlled board has its own method);
    a method the category's votes cannot support at all is logged and skipped."""
    fit_options = FitOptions(
        ci=options.ci,  # type: ignore[arg-type]
        num_bootstrap=options.num_bootstrap,
        both_bad=options.both_bad,  # type: ignore[arg-type]
        device=settings.ARENA_RANKING_DEVICE or None,
        min_votes=options.min_votes,
    )
    results = []
    for name in (STYLE_METHOD,) if style else options.methods:
        try:
            results.append(method_get(name).fit(battles, fit_options))
        except BattleDataError as error:
            logger.warning("leaderboard recompute skipped %s: %s", name, error)
    return results


def _fit_first(battles: BattleSet, *, options: RankingOptions) -> RankingResult:
    """The arena's first published method, plain: what group boards and the pooled board they
    are compared with use. BattleDataError when the votes cannot support it."""
    fit_options = FitOptions(
        ci=options.ci,  # type: ignore[arg-type]
        num_bootstrap=options.num_bootstrap,
        both_bad=options.both_bad,  # type: ignore[arg-type]
        device=settings.ARENA_RANKING_DEVICE or None,
        min_votes=options.min_votes,
    )
    return method_get(options.methods[0]).fit(battles, fit_options)


PARTS = ("all", "plain", "style")


def leaderboard_recompute(*, arena_id: int, part: str = "all") -> RecomputeReport:
    """Fit overall, built-in and tag categories, each plain and style-controlled, then the
    group and aspect boards. Categories with fewer than two contenders are skipped.

    `part` runs half of it: "plain" (every plain board, groups and aspects: fits on pair
    counts, seconds at a million votes) or "style" (the style-controlled boards, which fit on
    every vote's features and take most of the time). Workers run them as two tasks, so a new
    vote is never kept waiting behind a style fit (leaderboard/services/triggers.py).

    The plain boards are stored as soon as they are fitted, in a transaction of their own:
    they are what the page and the API show by default, and their fits run on pair counts, so
    a new vote reaches them after the read and a fraction of a second of fitting, not after
    the style-controlled fits (which read every vote's features and take most of a run at a
    million votes). The other boards follow in one transaction; each board is read as the
    newest of its own key, so a reader never mixes half a run into one board."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    arena = Arena.objects.get(id=arena_id)
    options = RankingOptions.for_arena(arena)
    report = RecomputeReport(arena_id=arena_id, style_due=part == "plain" and options.style_control)
    if part == "style" and not options.style_control:
        return report
    began = clock = time.perf_counter()
    # Rows for votes stored without one (bulk imports), and tag flags of new or edited tags:
    # nothing to do on most runs.
    ranking_rows_fill(arena_id=arena_id)
    tag_flags_refresh(arena_id=arena_id)
    tags = list(CategoryTag.objects.filter(arena=arena))
    report.seconds["prepare"] = time.perf_counter() - clock
    clock = time.perf_counter()
    table = ranking_columns_load(arena_id=arena_id)
    report.seconds["query"] = time.perf_counter() - clock

    clock = time.perf_counter()
    excluded = dict(table.excluded)
    keep = np.ones(len(table), dtype=bool)
    if options.both_bad == "drop":
        keep = table.outcome != BOTH_BAD
        excluded["both_bad"] = int((~keep).sum())
    masks = {name: mask & keep for name, mask in table.category_masks(tags).items()}
    features = table.style_features()
    names = dict(Contender.objects.filter(arena=arena).values_list("id", "name"))
    report.seconds["features"] = time.perf_counter() - clock

    snapshots: list[LeaderboardSnapshot] = []
    stored = 0
    pooled: RankingResult | None = None
    # Plain boards of every category first (fits on pair counts, fast at any volume), stored
    # at once: they are what the page and the API show by default. The style-controlled fits
    # work on every vote's features and take most of a run's time; they follow.
    passes = {"all": (False, True), "plain": (False,), "style": (True,)}[part]
    for style in passes if options.style_control else (False,):
        for category, mask in masks.items():
            clock = time.perf_counter()
            battles = _battle_set(table, mask, features)
            if battles.num_models < 2:
                continue
            for result in _fits(battles, style=style, options=options):
                if category == OVERALL and not style and result.method == options.methods[0]:
                    pooled = result  # what group boards are compared with
                snapshots.append(LeaderboardSnapshot(
                    arena=arena, category=category, style_control=style, method=result.method,
                    params=result.params, num_votes=int(mask.sum()), device=result.device,
                    duration_ms=round(result.duration_s * 1000),
                    result=_result_json(result, names),
                    matrices=_matrices(battles, result, options.both_bad), excluded=excluded,
                ))
            if style == (part == "style"):  # each category counted once per run
                report.categories.append(category)
            report.seconds["fit"] += time.perf_counter() - clock
        if not style:
            clock = time.perf_counter()
            stored += _store(arena_id, snapshots)
            snapshots = []
            report.seconds["store"] += time.perf_counter() - clock
            report.plain_stored_after_s = time.perf_counter() - began

    if part != "style":
        snapshots += _group_and_aspect_boards(
            arena=arena, table=table, keep=keep, features=features, pooled=pooled,
            options=options, names=names, excluded=excluded, report=report)

    clock = time.perf_counter()
    stored += _store(arena_id, snapshots)
    report.seconds["store"] += time.perf_counter() - clock
    report.num_votes = int(keep.sum())
    report.snapshots = stored
    logger.info(
        "leaderboard recompute arena=%s votes=%s snapshots=%s plain_after=%.3fs seconds=%s",
        arena_id, report.num_votes, report.snapshots, report.plain_stored_after_s,
        {k: round(v, 3) for k, v in report.seconds.items()},
    )
    return report


def _group_and_aspect_boards(
    *, arena: Arena, table: RankingColumns, keep: np.ndarray, features: np.ndarray,
    pooled: RankingResult | None, options: RankingOptions, names: dict[int, str],
    excluded: dict[str, int], report: RecomputeReport,
) -> list[LeaderboardSnapshot]:
    """Plain boards beside the categories: one per annotator group large enough to show (with
    its disagreement with the pooled board), one per aspect voted beside the overall choice."""
    snapshots: list[LeaderboardSnapshot] = []
    arena_id = arena.id
    # One plain board per annotator group large enough to show, with its disagreement.
    clock = time.perf_counter()
    for category, battles, result, disagreement in group_boards(
        table=table, keep=keep, min_annotators=arena_settings(arena).group_min_annotators,
        pooled=pooled, battle_set=lambda mask: _battle_set(table, mask, features),
        fit=lambda battles: _fit_first(battles, options=options),
    ):
        snapshots.append(LeaderboardSnapshot(
            arena=arena, category=category, style_control=False, method=result.method,
            params={**result.params, "disagreement": disagreement},
            num_votes=int(battles.counts.sum()),
            device=result.device, duration_ms=round(result.duration_s * 1000),
            result=_result_json(result, names),
            matrices=_matrices(battles, result, options.both_bad), excluded=excluded,
        ))
        report.categories.append(category)
    report.seconds["groups"] = time.perf_counter() - clock

    # One plain board per aspect voted beside the overall choice (3D geometry, texture, …).
    for aspect, aspect_table in aspect_votes_load(arena_id=arena_id).items():
        clock = time.perf_counter()
        everything = np.ones(len(aspect_table), dtype=bool)
        battles = _battle_set(aspect_table, everything, aspect_table.style_features())
        if battles.num_models < 2:
            continue
        category = ASPECT_CATEGORY_PREFIX + aspect
        for result in _fits(battles, style=False, options=options):
            snapshots.append(LeaderboardSnapshot(
                arena=arena, category=category, style_control=False, method=result.method,
                params=result.params, num_votes=len(aspect_table), device=result.device,
                duration_ms=round(result.duration_s * 1000), result=_result_json(result, names),
                matrices=_matrices(battles, result, options.both_bad), excluded=excluded,
            ))
        report.categories.append(category)
        report.seconds["fit"] += time.perf_counter() - clock
    return snapshots


def _store(arena_id: int, snapshots: list[LeaderboardSnapshot]) -> int:
    """Store a run's boards together, dropping the oldest beyond the kept number."""
    if not snapshots:
        return 0
    with transaction.atomic():
        LeaderboardSnapshot.objects.bulk_create(snapshots)
        _prune(arena_id)
    return len(snapshots)


def _prune(arena_id: int) -> None:
    """Keep the newest ARENA_SNAPSHOTS_KEPT snapshots per (category, style control, method)."""
    kept = settings.ARENA_SNAPSHOTS_KEPT
    keys = (
        LeaderboardSnapshot.objects.filter(arena_id=arena_id)
        .values_list("category", "style_control", "method")
        .distinct()
    )
    for category, style, method in keys:
        newest = LeaderboardSnapshot.objects.filter(
            arena_id=arena_id, category=category, style_control=style, method=method
        ).order_by("-created_at", "-id")
        stale = list(newest.values_list("id", flat=True)[kept:])
        if stale:
            LeaderboardSnapshot.objects.filter(id__in=stale).delete()
