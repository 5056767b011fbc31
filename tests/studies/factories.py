"""Factories for study tests."""

from __future__ import annotations

import itertools
from typing import Any

from battles.models import Arena
from studies.models import ItemState, Study, StudyCandidate, StudyItem, StudySlot, StudyState
from tests.factories import arena_create, contender_create

_counter = itertools.count(1)


def study_create(*, arena: Arena | None = None, **fields: Any) -> Study:
    n = next(_counter)
    arena = arena or arena_create()
    defaults: dict[str, Any] = {"slug": f"study-{n}", "title": f"Study {n}", "k": 2,
                                "overlap": 2}
    return Study.objects.create(arena=arena, **{**defaults, **fields})


def study_ready(*, items: int = 3, k: int = 2, overlap: int = 2, **fields: Any) -> Study:
    """An open study whose items already have their K answers."""
    arena = arena_create()
    contenders = [contender_create(arena=arena) for _ in range(k)]
    study = study_create(arena=arena, k=k, overlap=overlap, state=StudyState.OPEN, **fields)
    for position in range(items):
        item = StudyItem.objects.create(study=study, position=position, text=f"Prompt {position}",
                                        state=ItemState.READY)
        for index, contender in enumerate(contenders):
            StudyCandidate.objects.create(item=item, position=index, contender=contender,
                                          text=f"answer {index}")
        StudySlot.objects.bulk_create(StudySlot(item=item, study=study, index=i)
                                      for i in range(overlap))
    return study
