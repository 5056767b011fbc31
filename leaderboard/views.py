"""The leaderboard page: the newest snapshot for the chosen category and style control."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from battles.modalities import modality_spec
from battles.models import Arena
from leaderboard.models import OVERALL
from leaderboard.presenters import (
    category_label,
    disagreement_view,
    excluded_view,
    flag_notes,
    interval_plot,
    matrices_view,
    method_label,
)
from leaderboard.rendered import rendered_once, templates_digest
from leaderboard.selectors import (
    leaderboard_categories,
    leaderboard_disagreements,
    leaderboard_latest,
    leaderboard_methods,
    leaderboard_rows,
)

BOARD_TEMPLATES = ("leaderboard/board.html", "leaderboard/matrix.html")


def leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    arena = get_object_or_404(Arena, slug=slug, is_active=True)
    categories = leaderboard_categories(arena=arena)
    category = request.GET.get("category", OVERALL)
    if category not in categories:
        category = OVERALL
    style_available = modality_spec(arena.modality).style_features
    style = style_available and request.GET.get("style") == "1"
    deprecated = request.GET.get("deprecated") == "1"
    methods = leaderboard_methods(arena=arena)
    chosen = request.GET.get("method", methods[0])
    if chosen not in methods:
        chosen = methods[0]
    snapshot = leaderboard_latest(arena=arena, category=category, style_control=style, method=chosen)
    context: dict[str, object] = {
        "arena": arena, "snapshot": snapshot, "category": category,
        "categories": [(slug, category_label(slug)) for slug in categories],
        "methods": [(name, method_label(name)) for name in methods], "chosen_method": chosen,
        "style": style, "style_available": style_available, "deprecated": deprecated,
        "method": method_label(snapshot.method) if snapshot is not None else "",
        "disagreements": disagreement_view(leaderboard_disagreements(arena=arena)),
    }
    if snapshot is not None:
        rows = leaderboard_rows(arena=arena, snapshot=snapshot, include_deprecated=deprecated)

        def board() -> str:
            return render_to_string("leaderboard/board.html", {
                **context, "rows": rows, "plot": interval_plot(rows),
                "matrices": matrices_view(snapshot.matrices, rows),
                "excluded": excluded_view(snapshot.excluded or {}),
                "flag_notes": flag_notes(rows),
                "convergence": snapshot.result.get("convergence", {}),
            })

        # The board is our own template's autoescaped output, kept as text by the cache.
        context["board"] = mark_safe(  # noqa: S308
            rendered_once("page", (arena.slug, snapshot.id, category, style, chosen, deprecated, rows,
                                   templates_digest(*BOARD_TEMPLATES)), board)
        )
    return render(request, "leaderboard/leaderboard.html", context)
