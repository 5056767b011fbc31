"""Count battles and votes for /metrics when their rows are committed.

Signals keep the counting out of the battle services; `on_commit` makes a rolled-back vote
count nothing, and a replayed (idempotent) vote creates no row, so it counts once.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from arena import metrics
from battles.models import Battle, Vote


def _battle_saved(sender: type[Battle], instance: Battle, created: bool, **_: Any) -> None:
    if created:
        arena, mode = instance.arena.slug, instance.mode
        transaction.on_commit(lambda: metrics.battle_started(arena=arena, mode=mode))


def _vote_saved(sender: type[Vote], instance: Vote, created: bool, **_: Any) -> None:
    if created:
        arena = instance.battle.arena.slug
        transaction.on_commit(lambda: metrics.vote_stored(arena=arena))


def connect() -> None:
    post_save.connect(_battle_saved, sender=Battle, dispatch_uid="ops.battle_started")
    post_save.connect(_vote_saved, sender=Vote, dispatch_uid="ops.vote_stored")
