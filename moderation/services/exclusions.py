"""Keeping `Vote.is_valid` and the `Exclusion` reasons in step, and telling the leaderboard.

A vote is valid exactly when its battle has no exclusion. Whenever counted votes stop (or
start) counting, `moderation.signals.votes_invalidated` is sent once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.apps import apps
from django.db import transaction

from battles.models import Battle, Vote
from moderation.models import Exclusion
from moderation.signals import votes_invalidated


def _leaderboard_recompute(arena_ids: list[int]) -> None:
    """Queue the leaderboard's recompute when that app is installed (bulk updates bypass its
    `post_save` hook on Vote)."""
    if not apps.is_installed("leaderboard"):
        return
    try:
        from leaderboard.services.triggers import recompute_queue
    except ImportError:
        return
    for arena_id in arena_ids:
        recompute_queue(arena_id=arena_id)


def _notify(arena_ids: Iterable[int], reason: str) -> None:
    ids = sorted(set(arena_ids))
    if not ids:
        return

    def after_commit() -> None:
        votes_invalidated.send(sender=Exclusion, arena_ids=ids, reason=reason)
        _leaderboard_recompute(ids)

    transaction.on_commit(after_commit)


def exclusions_add(*, battle_ids: Iterable[UUID | str], reason: str, detail: str = "") -> int:
    """Exclude these battles' votes (present and future); returns how many counted votes flipped."""
    ids = list(battle_ids)
    if not ids:
        return 0
    with transaction.atomic():
        list(Battle.objects.select_for_update().filter(id__in=ids).order_by("id").values("id"))
        Exclusion.objects.bulk_create(
            [Exclusion(battle_id=battle_id, reason=reason, detail=detail) for battle_id in ids],
            ignore_conflicts=True,
        )
        flipping = Vote.objects.filter(battle_id__in=ids, is_valid=True)
        arena_ids = list(flipping.values_list("battle__arena_id", flat=True))
        flipped = flipping.update(is_valid=False)
        _notify(arena_ids, reason)
    return flipped


def exclusion_remove(*, battle_id: UUID | str, reason: str) -> bool:
    """Lift one reason; the vote counts again only if no other reason remains."""
    with transaction.atomic():
        battle = Battle.objects.select_for_update().get(id=battle_id)
        Exclusion.objects.filter(battle=battle, reason=reason).delete()
        if Exclusion.objects.filter(battle=battle).exists():
            return False
        restored = Vote.objects.filter(battle=battle, is_valid=False).update(is_valid=True)
        if restored:
            _notify([battle.arena_id], "restored")
    return bool(restored)
