"""Housekeeping on battles that no request will ever finish."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from battles.models import BattleState, Generation, GenerationStatus
from battles.services.battle_flow import generation_fail


def battles_fail_stale(*, older_than: timedelta | None = None) -> int:
    """Fail generations still streaming long after any timeout; returns how many battles."""
    age = older_than or timedelta(minutes=settings.ARENA_STALE_BATTLE_MINUTES)
    cutoff = timezone.now() - age
    stale = Generation.objects.filter(
        status=GenerationStatus.STREAMING, started_at__lt=cutoff,
        turn__battle__state=BattleState.STREAMING,
    )
    battle_ids = set()
    for generation in stale.select_related("turn"):
        generation_fail(generation_id=generation.id, error="The answer was never completed.")
        battle_ids.add(generation.turn.battle_id)
    return len(battle_ids)
