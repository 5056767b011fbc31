"""Delete-my-data reaches studies: annotators/ cannot import studies (imports point one way),
so studies listens for the annotator being marked deleted and scrubs what it holds."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from annotators.models import Annotator
from studies.models import Judgement, SlotState, StudySkip, StudySlot


@receiver(post_save, sender=Annotator, dispatch_uid="studies_annotator_data_deleted")
def annotator_data_deleted(sender: type[Annotator], instance: Annotator, **_: Any) -> None:
    """Explanations and skip reasons are the person's words: emptied. Their rankings stay
    for the counts but every analysis leaves them out (studies/analysis.py); items they held
    go back to the pool."""
    if instance.data_deleted_at is None:
        return
    Judgement.objects.filter(annotator=instance).exclude(explanation="", skip_reason="").update(
        explanation="", skip_reason="")
    StudySkip.objects.filter(annotator=instance).update(reason="")
    StudySlot.objects.filter(annotator=instance, state=SlotState.ASSIGNED).update(
        state=SlotState.OPEN, annotator=None, expires_at=None)
