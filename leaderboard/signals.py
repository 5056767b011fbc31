"""Hooks on battles.Vote, so the battles app needs no knowledge of leaderboards.

Every new vote gets its ranking row in the transaction that stores it. A new valid vote in an
anonymous battle bumps the arena's counter after commit; a vote saved
again (e.g. invalidated by a moderator) queues a recompute so the change reaches the board.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from battles.models import Battle, BattleMode, Vote
from leaderboard.services.ranking_rows import ranking_row_rewrite, ranking_row_write_new
from leaderboard.services.triggers import recompute_queue, vote_counted


@receiver(post_save, sender=Vote, dispatch_uid="leaderboard_vote_saved")
def vote_saved(sender: type[Vote], instance: Vote, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if created:
        # Its battle's answers are finished: everything ranking needs of it is known now.
        ranking_row_write_new(vote=instance)
    else:
        # Saved again (an admin's edit, a moderator's flip): write its row afresh.
        ranking_row_rewrite(vote_id=instance.id)
    if Vote.battle.is_cached(instance):  # the vote service stores it with its locked battle
        arena_id, mode = instance.battle.arena_id, instance.battle.mode
    else:
        arena_id, mode = Battle.objects.filter(id=instance.battle_id).values_list(
            "arena_id", "mode"
        ).get()
    if mode != BattleMode.ANONYMOUS:
        return
    if created:
        if instance.is_valid:
            transaction.on_commit(lambda: vote_counted(arena_id=arena_id))
    else:
        recompute_queue(arena_id=arena_id)
