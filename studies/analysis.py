"""A study's analysis for the researcher: boards from K-way judgements, agreement, and the
spread of preferences per item.

For a full-ranking study the board is Plackett-Luce on the K-way rankings as given (the
engine's `rank_rankings`, with sandwich intervals). A best-of-K judgement says only which answer
came first, so those studies are ranked by top-1 Plackett-Luce: the chosen answer over all K,
the others left unordered (neither ranked nor tied; the engine's `unordered_rest`). Bradley-Terry
on the pairs each judgement implies is kept beside either board as a check; for best-of-K it
counts one choice as K-1 independent wins, so its intervals are too narrow.
Judgements of people who deleted their data, skips, and gold items are left
out of boards and agreement, as are shadow-banned annotators' (kept, never counted, as in
arenas); gold items measure annotators instead.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from typing import Any

from annotators.models import AnnotatorStatus
from leaderboard.ranking import BattleDataError, BattleSet, rank_battles
from leaderboard.ranking.api import rank_rankings
from leaderboard.ranking.plackett_luce import Rankings
from studies.agreement import (
    implied_pairs,
    krippendorff_alpha_nominal,
    krippendorff_alpha_ranks,
    leave_one_out_agreement,
    ranking_units,
)
from studies.models import Judgement, Study, VoteFormat


def _judgements(study: Study) -> list[Judgement]:
    return list(
        Judgement.objects.filter(study=study, annotator__data_deleted_at__isnull=True,
                                 skip_reason="")
        .exclude(annotator__status=AnnotatorStatus.SHADOW_BANNED)
        .select_related("item").order_by("pk")
    )


def _board(records: list[tuple[str, str, str]], models: list[str]) -> list[dict[str, Any]]:
    if not records:
        return []
    battles = BattleSet.from_records(records, models=models)
    try:
        result = rank_battles(battles, ci="sandwich")
    except ValueError:
        return []
    return result.rows()


def _plackett_luce_board(rankings: list[list[list[str]]], *,
                         unordered_rest: bool = False) -> list[dict[str, Any]]:
    if not rankings:
        return []
    try:
        return rank_rankings(Rankings.from_rankings(rankings, unordered_rest=unordered_rest),
                             ci="sandwich").rows()
    except (BattleDataError, ValueError):
        return []


def study_analysis(*, study: Study) -> dict[str, Any]:
    judgements = _judgements(study)
    names: dict[tuple[int, int], str] = {
        (item_id, position): slug for item_id, position, slug in
        study.items.values_list("pk", "candidates__position", "candidates__contender__slug")
        if position is not None
    }
    models = sorted(set(names.values()))
    scored = [j for j in judgements if not j.item.is_gold]
    overall: list[tuple[str, str, str]] = []
    per_aspect: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    full_rankings: list[list[list[str]]] = []
    choices: list[list[list[str]]] = []  # best-of-K: [[best], [the others]]
    for judgement in scored:
        if study.vote_format == VoteFormat.BEST and judgement.ranking:
            best = judgement.ranking[0]
            choices.append([[names[(judgement.item_id, best)]],
                            [names[(judgement.item_id, p)] for p in range(study.k) if p != best]])
        elif study.vote_format != VoteFormat.BEST and len(judgement.ranking) >= study.k - 1:
            ranked = [names[(judgement.item_id, p)] for p in judgement.ranking]
            rest = [names[(judgement.item_id, p)] for p in range(study.k)
                    if p not in judgement.ranking]
            full_rankings.append([[name] for name in ranked + rest])
        for winner, loser in implied_pairs(judgement.ranking, study.k):
            overall.append((names[(judgement.item_id, winner)],
                            names[(judgement.item_id, loser)], "model_a"))
        for aspect, best in judgement.aspects.items():
            for other in range(study.k):
                if other != best:
                    per_aspect[aspect].append((names[(judgement.item_id, best)],
                                               names[(judgement.item_id, other)], "model_a"))
    units: dict[int, list[int]] = defaultdict(list)
    aspect_units: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    picks = []
    for judgement in scored:
        units[judgement.item_id].append(judgement.ranking[0])
        picks.append((judgement.item_id, str(judgement.annotator_id), judgement.ranking[0]))
        for aspect, best in judgement.aspects.items():
            aspect_units[aspect][judgement.item_id].append(best)
    gold: dict[str, list[bool]] = defaultdict(list)
    for judgement in judgements:
        if judgement.item.is_gold and judgement.item.gold_best is not None:
            gold[str(judgement.annotator_id)].append(
                judgement.ranking[0] == judgement.item.gold_best)
    distribution = []
    for item_id, values in sorted(units.items()):
        if len(values) >= 2:
            counts = Counter(values)
            distribution.append({"item": item_id, "judgements": len(values),
                                 "best": {str(p): counts.get(p, 0) for p in range(study.k)}})
    pairwise = _board(overall, models)
    if study.vote_format == VoteFormat.BEST:
        method, note, board = (
            "plackett_luce_top1",
            "Best-of-K: top-1 Plackett-Luce (the chosen answer over all K, the others "
            "unordered); `pairwise_check` is Bradley-Terry on the best over each other answer.",
            _plackett_luce_board(choices, unordered_rest=True))
    else:
        method, note, board = (
            "plackett_luce",
            "Plackett-Luce on the K-way rankings; `pairwise_check` is Bradley-Terry on the "
            "pairs they imply.", _plackett_luce_board(full_rankings))
    return {
        "method": method,
        "note": note,
        "judgements": len(scored),
        "board": board,
        "pairwise_check": pairwise,
        "aspect_boards": {a: _board(r, models) for a, r in sorted(per_aspect.items())},
        "alpha": krippendorff_alpha_nominal(units),
        # Full-ranking studies: agreement on every answer's place, not only on the best one.
        "rank_alpha": (krippendorff_alpha_ranks(ranking_units(
            (j.item_id, j.ranking) for j in scored if len(j.ranking) == study.k))
            if study.vote_format == VoteFormat.RANK else None),
        "aspect_alpha": {a: krippendorff_alpha_nominal(u) for a, u in sorted(aspect_units.items())},
        "annotators": [
            {"annotator": row.annotator[:8], "compared": row.compared, "rate": row.rate,
             "outlier": row.outlier,
             "gold_accuracy": (sum(gold[row.annotator]) / len(gold[row.annotator])
                               if gold.get(row.annotator) else None)}
            for row in leave_one_out_agreement(picks, chance=1 / study.k)
        ],
        "distribution": distribution,
    }


BOARD_COLUMNS = ("aspect", "rank", "model", "rating", "lower", "upper", "votes")


def study_board_csv_text(*, analysis: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BOARD_COLUMNS)
    boards = [("", analysis["board"]), *analysis["aspect_boards"].items()]
    for aspect, rows in boards:
        for row in rows:
            writer.writerow([aspect, *(row.get(c, "") for c in BOARD_COLUMNS[1:])])
    return out.getvalue()
