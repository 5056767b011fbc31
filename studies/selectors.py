"""Reads about studies: who answers, and how far a study has come."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Count, Q

from battles.models import Contender, ContenderStatus
from studies.models import ItemState, SlotState, Study


def study_contenders(study: Study) -> list[Contender]:
    """Who answers in a study made of K models: the chosen ones, else the arena's active ones."""
    chosen = list(study.contenders.order_by("pk")) if study.pk else []
    if chosen:
        return chosen
    return list(Contender.objects.filter(arena=study.arena, status=ContenderStatus.ACTIVE)
                .order_by("pk"))


class StudyProgress(TypedDict):
    items: int
    ready: int
    pending: int
    failed: int
    failures: list[dict[str, object]]
    slots: int
    slots_done: int
    slots_assigned: int


def study_progress(*, study: Study) -> StudyProgress:
    """Answers made and judgements collected, for the researcher's page and the API."""
    items = study.items.aggregate(
        total=Count("pk"),
        ready=Count("pk", filter=Q(state=ItemState.READY)),
        pending=Count("pk", filter=Q(state=ItemState.PENDING)),
        failed=Count("pk", filter=Q(state=ItemState.FAILED)),
    )
    slots = study.slots.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(state=SlotState.DONE)),
        assigned=Count("pk", filter=Q(state=SlotState.ASSIGNED)),
    )
    failures = [
        {"position": position, "error": error}
        for position, error in study.items.filter(state=ItemState.FAILED)
        .order_by("position").values_list("position", "error")[:100]
    ]
    return StudyProgress(items=items["total"], ready=items["ready"], pending=items["pending"],
                         failed=items["failed"], failures=failures, slots=slots["total"],
                         slots_done=slots["done"], slots_assigned=slots["assigned"])
