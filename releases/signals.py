"""Keeping stored release rows (`RowFragment`) true to their battle, and gone with it.

A fragment is made once its vote is stored; feedback is the one part of a released row that
can still arrive (or change) after the vote. When it does, the battle's fragment is dropped and
the next build or prepare run makes it again with the feedback in it.

A fragment holds a masked copy of the conversation, so a person's data deletion drops the
fragments of their battles at once, in the deletion's transaction. Battles that stop being
releasable any other way (consent withdrawn, moderation exclusions, hidden content, bulk
updates that send no signal) lose theirs at the next `releases.prepare_rows` run
(`releases.services.release_rows_prepare`); a build never reads them, since it joins only
releasable battles.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from annotators.models import Annotator
from battles.models import VoteFeedback
from releases.models import RowFragment


@receiver(post_save, sender=VoteFeedback, dispatch_uid="releases.feedback_saved")
@receiver(post_delete, sender=VoteFeedback, dispatch_uid="releases.feedback_deleted")
def fragment_drop_on_feedback(sender: type, instance: VoteFeedback, **_kwargs: Any) -> None:
    RowFragment.objects.filter(battle__vote__id=instance.vote_id).delete()


@receiver(post_save, sender=Annotator, dispatch_uid="releases.annotator_deleted")
def fragments_drop_on_data_deletion(sender: type, instance: Annotator, **_kwargs: Any) -> None:
    if instance.data_deleted_at is not None:
        RowFragment.objects.filter(battle__annotator=instance).delete()
        RowFragment.objects.filter(battle__vote__annotator=instance).delete()
