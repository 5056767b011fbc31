"""Reads of stored leaderboards, shaped for pages and the API.

Everything here is aggregate over voted battles: a contender's name appears next to a rating,
never next to a particular battle, so nothing links an unvoted battle to a contender.
"""

from __future__ import annotations

from typing import Any

from battles.modalities import arena_settings
from battles.models import Arena, Contender, ContenderStatus
from leaderboard.models import GROUP_PREFIX, OVERALL, LeaderboardSnapshot


def leaderboard_latest(
    *, arena: Arena, category: str = OVERALL, style_control: bool = False, method: str | None = None
) -> LeaderboardSnapshot | None:
    """The newest snapshot; ``method`` None means the arena's default (its first published
    method). The style-controlled board has one method of its own, so ``method`` is ignored."""
    found = LeaderboardSnapshot.objects.filter(
        arena=arena, category=category, style_control=style_control
    )
    if not style_control:
        found = found.filter(method=method or arena_settings(arena).methods[0])
    return found.order_by("-created_at", "-id").first()


def leaderboard_methods(*, arena: Arena) -> list[str]:
    """The ranking methods this arena publishes, its default first."""
    return list(arena_settings(arena).methods)


def leaderboard_categories(*, arena: Arena) -> list[str]:
    """Categories that have a snapshot, "overall" first."""
    found = set(
        LeaderboardSnapshot.objects.filter(arena=arena)
        .values_list("category", flat=True)
        .distinct()
    )
    return sorted(found, key=lambda c: (c != OVERALL, c))


def leaderboard_rows(
    *, arena: Arena, snapshot: LeaderboardSnapshot, include_deprecated: bool = False
) -> list[dict[str, Any]]:
    """The snapshot's rows with each contender's current organisation and status."""
    threshold = arena_settings(arena).provisional_votes
    ids = [row["contender_id"] for row in snapshot.result["rows"]]
    contenders = {
        c["id"]: c
        for c in Contender.objects.filter(arena=arena, id__in=ids).values(
            "id", "name", "organisation", "status"
        )
    }
    rows = []
    for row in snapshot.result["rows"]:
        contender = contenders.get(row["contender_id"])
        status = contender["status"] if contender else ContenderStatus.DEPRECATED
        if status == ContenderStatus.DEPRECATED and not include_deprecated:
            continue
        rows.append({
            **row,
            "name": contender["name"] if contender else row["name"],
            "organisation": contender["organisation"] if contender else "",
            "status": status,
            "provisional": row["votes"] < threshold,
        })
    return rows


def leaderboard_disagreements(*, arena: Arena) -> list[dict[str, Any]]:
    """The newest disagreement report of each annotator group's board (plain fits), by group:
    `group`, `category`, and the report's `annotators`, `spearman`, `spearman_interval`,
    `p_value`, ..."""
    found = (LeaderboardSnapshot.objects
             .filter(arena=arena, category__startswith=GROUP_PREFIX, style_control=False)
             .order_by("category", "-created_at", "-id").distinct("category")
             .values_list("category", "params"))
    return [{"group": category.removeprefix(GROUP_PREFIX), "category": category,
             **params["disagreement"]}
            for category, params in found if params.get("disagreement")]
