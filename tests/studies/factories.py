"""Factories for study tests."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

from django.utils import timezone

from battles.models import Arena
from studies.models import (
    ItemState,
    Study,
    StudyCandidate,
    StudyExposureEvent,
    StudyItem,
    StudySlot,
    StudyState,
)
from studies.services.answers import item_answers_make
from studies.services.setup import prompt_set_import
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


# Demo contenders for the media modalities, and a prompt each answers.
_FULL_MUSIC = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}
DEMO_MEDIA: dict[str, tuple[str, list[str], str, dict[str, Any]]] = {
    "music": ("demo_music", ["studio", "simple", "chiptune", "detuned"],
              "a calm piano tune, instrumental", _FULL_MUSIC),
    "threed": ("demo_3d", ["fine", "coarse", "blocky", "noisy"], "a wooden chair", {}),
}


def media_study_made(modality: str, *, k: int = 2, items: int = 1,
                     settings: dict[str, Any] | None = None, **fields: Any) -> Study:
    """An open study of a music or 3D arena whose answers were made by the offline demo
    providers through the real path (import, `item_answers_make`), files and all."""
    kind, styles, prompt, capabilities = DEMO_MEDIA[modality]
    arena = arena_create(modality=modality, settings=settings or {})
    for n, style in enumerate(styles[:k]):
        contender_create(arena=arena, name=f"Secret {modality} {n}", provider_kind=kind,
                         params={"style": style, "step_delay": 0}, capabilities=capabilities)
    study = study_create(arena=arena, k=k, **{"overlap": 1, **fields})
    lines = "\n".join(json.dumps({"text": f"{prompt} {n}" if n else prompt})
                      for n in range(items))
    prompt_set_import(study=study, fmt="jsonl", data=lines.encode())
    for item in study.items.all():
        item_answers_make(item_id=item.pk)
        item.refresh_from_db()
        assert item.state == ItemState.READY, item.error
    study.refresh_from_db()
    assert study.state == StudyState.OPEN
    return study


def slot_exposed(slot: StudySlot, *, seconds: float = 60.0) -> None:
    """As if the slot's holder had played or viewed every answer for `seconds` (or each track to
    its end): the events the page would have posted, dated back so the server's clock agrees.
    For tests that are about something after the exposure gate."""
    holder = slot.annotator_id
    assert holder is not None
    candidates = list(slot.item.candidates.all())

    def events(kind: str, at_s: float) -> list[StudyExposureEvent]:
        return [StudyExposureEvent(
            slot=slot, annotator_id=holder, candidate=c, kind=kind,
            position_ms=round(min(at_s * 1000, c.media_duration_ms or at_s * 1000)),
            client_ms=at_s * 1000) for c in candidates]

    played = StudyExposureEvent.objects.bulk_create(events("play", 0))
    StudyExposureEvent.objects.filter(pk__in=[e.pk for e in played]).update(
        received_at=timezone.now() - timedelta(seconds=seconds))
    StudyExposureEvent.objects.bulk_create(events("ended", seconds))
