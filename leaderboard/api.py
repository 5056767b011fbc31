"""Leaderboard endpoints: the newest snapshot as JSON or CSV. Aggregates only."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from battles.api import ErrorOut
from battles.modalities import modality_spec
from battles.models import Arena
from battles.services.errors import ArenaError, NotFound
from leaderboard.models import OVERALL, LeaderboardSnapshot
from leaderboard.ranking.methods import UnknownMethod, method_check
from leaderboard.selectors import (
    leaderboard_categories,
    leaderboard_latest,
    leaderboard_methods,
    leaderboard_rows,
)
from leaderboard.services.groups import GROUP_PREFIX

router = Router()
CSV_COLUMNS = ("rank", "contender_id", "name", "organisation", "status", "rating", "lower",
               "upper", "votes", "provisional", "flags")
METHOD_HELP = ("Ranking method (bradley_terry, online_elo, plackett_luce); the arena's first "
               "published method when omitted. Unknown: 400 unknown_method; not published by "
               "this arena: 404 method_unavailable.")


def _method(arena: Arena, method: str | None) -> str | None:
    if method is None:
        return None
    try:
        method_check(method)
    except UnknownMethod as error:
        raise ArenaError(str(error), code="unknown_method") from None
    if method not in leaderboard_methods(arena=arena):
        raise NotFound(f"This arena does not publish the {method!r} ranking.", code="method_unavailable")
    return method


def _snapshot(slug: str, category: str, style_control: bool,
              method: str | None = None) -> tuple[Arena, LeaderboardSnapshot]:
    arena = get_object_or_404(Arena, slug=slug, is_active=True)
    chosen = _method(arena, method)
    if style_control and not modality_spec(arena.modality).style_features:
        raise NotFound("Style control is not computed for this arena: its answers are not text.",
                       code="style_unavailable")
    snapshot = leaderboard_latest(arena=arena, category=category, style_control=style_control,
                                  method=chosen)
    if snapshot is None:
        raise NotFound("No leaderboard has been computed for this arena and category yet.")
    return arena, snapshot


@router.get("/arenas/{slug}/leaderboard", response={200: dict[str, Any], 400: ErrorOut, 404: ErrorOut},
            tags=["leaderboard"], url_name="leaderboard")
def leaderboard_json(request: HttpRequest, slug: str, category: str = OVERALL,
                     style_control: bool = False, deprecated: bool = False,
                     method: str | None = Query(None, description=METHOD_HELP),
                     group: str | None = None) -> dict[str, Any]:
    """`group` (e.g. `country:FR`, `age:25-34`, `language:fr`) gives that annotator group's
    board (consenting annotators, groups of at least the arena's `group_min_annotators`) and
    its `disagreement` with the pooled board: Spearman rank correlation with a 95% interval
    and a likelihood-ratio test of the group's strengths against the pooled ones."""
    if group:
        category = GROUP_PREFIX + group
    arena, snapshot = _snapshot(slug, category, style_control, method)
    rows = leaderboard_rows(arena=arena, snapshot=snapshot, include_deprecated=deprecated)
    return {
        "arena": arena.slug,
        "category": snapshot.category,
        "style_control": snapshot.style_control,
        "categories": leaderboard_categories(arena=arena),
        "computed_at": snapshot.created_at.isoformat(),
        "num_votes": snapshot.num_votes,
        "method": snapshot.method,
        "methods": leaderboard_methods(arena=arena),
        "params": snapshot.params,
        "convergence": snapshot.result.get("convergence", {}),
        "device": snapshot.device,
        "duration_ms": snapshot.duration_ms,
        "excluded": snapshot.excluded,
        "coefficients": snapshot.result.get("coefficients", []),
        "rows": rows,
        "matrices": snapshot.matrices,
        "disagreement": snapshot.params.get("disagreement"),
    }


@router.get("/arenas/{slug}/leaderboard.csv", response={200: None, 400: ErrorOut, 404: ErrorOut},
            tags=["leaderboard"], url_name="leaderboard_csv",
            openapi_extra={"responses": {"200": {
                "description": "The leaderboard as CSV, one row per contender.",
                "content": {"text/csv": {"schema": {"type": "string"}}}}}})
def leaderboard_csv(request: HttpRequest, slug: str, category: str = OVERALL,
                    style_control: bool = False, deprecated: bool = False,
                    method: str | None = Query(None, description=METHOD_HELP),
                    group: str | None = None) -> HttpResponse:
    """`group` as for the JSON board (e.g. `country:FR`): that annotator group's board."""
    if group:
        category = GROUP_PREFIX + group
    arena, snapshot = _snapshot(slug, category, style_control, method)
    rows = [{**row, "flags": " ".join(row.get("flags", []))}
            for row in leaderboard_rows(arena=arena, snapshot=snapshot, include_deprecated=deprecated)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    suffix = ("-style" if style_control else "") + (f"-{snapshot.method}" if method else "")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{arena.slug}-{snapshot.category.replace(":", "-")}{suffix}'
        '-leaderboard.csv"'
    )
    return response
