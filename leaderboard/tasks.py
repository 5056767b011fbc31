"""Celery tasks: thin adapters that take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from battles.models import Arena
from leaderboard.services.triggers import leaderboard_recompute_exclusive, recompute_queue


@shared_task(name="leaderboard.recompute")
def leaderboard_recompute_task(arena_id: int, part: str = "plain") -> dict[str, object] | None:
    """Safe to re-run: a recompute replaces nothing, it adds the newest snapshots. `part` is
    "plain" or "style" (leaderboard/services/triggers.py)."""
    if not Arena.objects.filter(id=arena_id).exists():
        return None
    report = leaderboard_recompute_exclusive(arena_id=arena_id, part=part)
    if report is None:
        return None
    return {"arena_id": arena_id, "votes": report.num_votes, "snapshots": report.snapshots}


@shared_task(name="leaderboard.recompute_active")
def leaderboard_recompute_active_task() -> int:
    """Beat: queue a recompute for every active arena (invalidations have no vote counter)."""
    arena_ids = list(Arena.objects.filter(is_active=True).values_list("id", flat=True))
    for arena_id in arena_ids:
        recompute_queue(arena_id=arena_id)
    return len(arena_ids)
