"""Keeping stored release rows (`RowFragment`) true to their battle.

A fragment is made once its vote is stored; feedback is the one part of a released row that
can still arrive (or change) after the vote. When it does, the battle's fragment is dropped and
the next build or prepare run makes it again with the feedback in it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from battles.models import VoteFeedback
from releases.models import RowFragment


@receiver(post_save, sender=VoteFeedback, dispatch_uid="releases.feedback_saved")
@receiver(post_delete, sender=VoteFeedback, dispatch_uid="releases.feedback_deleted")
def fragment_drop_on_feedback(sender: type, instance: VoteFeedback, **_kwargs: Any) -> None:
    RowFragment.objects.filter(battle__vote__id=instance.vote_id).delete()
