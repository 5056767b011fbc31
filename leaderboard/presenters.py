"""Turning a snapshot into what a page draws: interval plot geometry and heatmap colours.

Server-side so the page needs no charting library (and no CDN).
"""

from __future__ import annotations

from typing import Any

from leaderboard.ranking.flags import FLAG_TEXT
from leaderboard.ranking.methods import REGISTERED

PLOT_WIDTH = 640
ROW_HEIGHT = 22
LABEL_WIDTH = 200
MATRIX_LIMIT = 20

# Display names of the built-in categories and of the ranking methods a snapshot records; a slug
# stripped of underscores ("Nonenglish", "bradleyterrystyle") reads as a typo to a researcher.
CATEGORY_LABELS = {
    "overall": "Overall",
    "english": "English",
    "non_english": "Non-English",
    "multi_turn": "Multi-turn",
    "long_prompts": "Long prompts",
}
METHOD_LABELS = REGISTERED


def _slug_label(slug: str) -> str:
    return slug.replace("_", " ").replace("-", " ").strip().capitalize()


ASPECT_PREFIX = "aspect-"  # leaderboard.services.vote_table.ASPECT_CATEGORY_PREFIX


def category_label(slug: str) -> str:
    """Built-in categories have fixed names; an aspect board says so; an admin's tag reads as
    its words."""
    if slug.startswith(ASPECT_PREFIX):
        return f"Aspect: {_slug_label(slug[len(ASPECT_PREFIX):])}"
    return CATEGORY_LABELS.get(slug) or _slug_label(slug)


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method) or _slug_label(method)


def flag_notes(rows: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(reason, contender names) for each flag in use: why some rows carry no rank."""
    notes = []
    for flag, text in FLAG_TEXT.items():
        names = [row["name"] for row in rows if flag in row.get("flags", [])]
        if names:
            notes.append((text, names))
    return notes


PLOT_LABEL_CHARS = 24  # what fits left of the axis at the plot's font size


def _plot_label(name: str) -> str:
    """Long names were cut off at the plot's left edge; the full name stays in a <title>."""
    return name if len(name) <= PLOT_LABEL_CHARS else name[: PLOT_LABEL_CHARS - 1].rstrip() + "…"


def interval_plot(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Coordinates for an SVG: one horizontal 95% interval with a dot per contender."""
    values = [v for r in rows for v in (r["lower"], r["upper"], r["rating"]) if v is not None]
    if not values:
        return {"rows": [], "width": PLOT_WIDTH, "height": 0}
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    inner = PLOT_WIDTH - LABEL_WIDTH - 20

    def x(value: float | None) -> float:
        value = low if value is None else value
        return round(LABEL_WIDTH + (value - low) / span * inner, 1)

    drawn = []
    for k, row in enumerate(rows):
        y = 10 + k * ROW_HEIGHT
        drawn.append({"name": row["name"], "label": _plot_label(row["name"]), "y": y,
                      "text_y": y + 4, "x1": x(row["lower"]),
                      "x2": x(row["upper"]), "cx": x(row["rating"])})
    return {"rows": drawn, "width": PLOT_WIDTH, "height": 20 + len(rows) * ROW_HEIGHT,
            "low": round(low), "high": round(high), "label_x": LABEL_WIDTH - 8,
            "axis_y": 20 + len(rows) * ROW_HEIGHT - 4}


HEAT_STEPS = 10  # win-rate colours: classes heat-0 … heat-10, red (row loses) to green
COUNT_STEPS = 5  # battle-count shades: classes count-1 … count-5, light to dark


def _heat_class(rate: float) -> str:
    """A class, not an inline style: the page's CSP (style-src 'self') blocks style attributes.
    The colours live in leaderboard.css, one per step of 10 points."""
    return f"heat-{round(min(max(rate, 0.0), 1.0) * HEAT_STEPS)}"


def _count_class(count: int, top: int) -> str:
    return f"count-{max(1, round(COUNT_STEPS * count / top))}" if count else ""


def matrices_view(snapshot_matrices: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Win-rate and battle-count tables for the first MATRIX_LIMIT shown contenders."""
    ids = snapshot_matrices.get("contender_ids", [])
    position = {cid: k for k, cid in enumerate(ids)}
    shown = [r for r in rows if r["contender_id"] in position][:MATRIX_LIMIT]
    names = [r["name"] for r in shown]
    win_rows, count_rows = [], []
    top = max(
        (snapshot_matrices["battle_count"][position[r["contender_id"]]][position[c["contender_id"]]]
         for r in shown for c in shown), default=0,
    ) or 1
    for r in shown:
        i = position[r["contender_id"]]
        wins, counts = [], []
        for c in shown:
            j = position[c["contender_id"]]
            rate = snapshot_matrices["win_rate"][i][j]
            count = snapshot_matrices["battle_count"][i][j]
            wins.append({"text": "" if rate is None else f"{rate:.0%}",
                         "class": "" if rate is None else _heat_class(rate)})
            counts.append({"text": str(count) if count else "",
                           "class": _count_class(count, top)})
        win_rows.append({"name": r["name"], "cells": wins})
        count_rows.append({"name": r["name"], "cells": counts})
    return {"names": names, "win_rate": win_rows, "battle_count": count_rows,
            "truncated": len(rows) > len(shown)}


_EXCLUSION_LABELS = {
    "side_by_side": "from side-by-side battles (never ranked)",
    "both_bad": "both-bad votes (dropped by this arena)",
    "other": "invalidated",
    "gold": "on gold battles (a deliberately broken side, to check annotators)",
}


def excluded_view(excluded: dict[str, int]) -> list[tuple[str, int]]:
    """(label, count) pairs for the page, most first; moderation reasons keep their labels."""
    from moderation.models import ExclusionReason

    labels = {**{r.value: str(r.label).lower() for r in ExclusionReason}, **_EXCLUSION_LABELS}
    return sorted(
        ((labels.get(reason, reason.replace("_", " ")), n) for reason, n in excluded.items() if n),
        key=lambda pair: -pair[1],
    )


def disagreement_view(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group reports as the page shows them: two decimals, tiny p-values as "< 0.001"."""
    def number(value: float | None, digits: int = 2) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    shown = []
    for report in reports:
        low, high = report.get("spearman_interval") or (None, None)
        p = report.get("p_value")
        shown.append({
            "group": report["group"], "category": report["category"],
            "annotators": report.get("annotators"), "contenders": report.get("contenders"),
            "spearman": number(report.get("spearman")),
            "interval": f"{number(low)} to {number(high)}",
            "p_value": "–" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}"),
        })
    return shown
