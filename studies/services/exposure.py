"""Time with each answer's media before a judgement, in studies of a modality with an
`ExposureGate` (music, 3D): the same gate and the same measurement as live battles
(battles/exposure.py), with one side per answer, named by its position ("0".."K-1").

Events are stored per slot and annotator; the judgement service asks `slot_exposure_require`
inside its transaction, so a judgement made too early is refused and nothing is stored.
Skipping needs no listening: someone who cannot judge an item should not have to hear it out.
"""

from __future__ import annotations

from typing import TypedDict

from django.db import transaction

from annotators.models import Annotator
from battles.exposure import (
    Exposure,
    exposure_events_clean,
    exposure_heard,
    exposure_minimum,
    exposure_required,
)
from battles.modalities import arena_settings, modality_spec
from battles.modalities.base import ExposureGate
from studies.errors import ArenaError, Conflict
from studies.models import Study, StudyExposureEvent, StudySlot
from studies.services.slot_held import slot_held


class ExposureShown(TypedDict):
    """What the page needs to word its hint and meters without knowing the modality."""

    verb: str
    noun: str
    measured: str
    state: Exposure


def study_gate(study: Study) -> ExposureGate | None:
    return modality_spec(study.arena.modality).gate


def slot_exposure_state(*, slot: StudySlot, gate: ExposureGate) -> Exposure:
    """Seconds heard or viewed per answer by the slot's holder, and whether they may judge."""
    minimum = exposure_minimum(gate, arena_settings(slot.study.arena))
    candidates = list(slot.item.candidates.order_by("position"))
    events = list(StudyExposureEvent.objects.filter(slot=slot, annotator=slot.annotator_id)
                  .order_by("received_at", "id"))
    heard, required = {}, {}
    for candidate in candidates:
        side = str(candidate.position)
        heard[side] = exposure_heard(e for e in events if e.candidate_id == candidate.pk)
        duration = (candidate.media_duration_ms / 1000
                    if candidate.media_duration_ms is not None else None)
        required[side] = exposure_required(gate, minimum, duration)
    can_vote = bool(candidates) and all(heard[s] >= required[s] for s in heard)
    return {"heard": heard, "required_s": required, "can_vote": can_vote}


def slot_exposure_shown(*, slot: StudySlot) -> ExposureShown | None:
    """The gate as the page shows it with the item; None where the arena has none."""
    gate = study_gate(slot.study)
    if gate is None:
        return None
    return {"verb": gate.verb, "noun": gate.noun, "measured": gate.measured,
            "state": slot_exposure_state(slot=slot, gate=gate)}


def slot_exposure_require(*, slot: StudySlot) -> None:
    """Conflict (`listen_more`) unless every answer had the time the arena asks for."""
    gate = study_gate(slot.study)
    if gate is None:
        return
    state = slot_exposure_state(slot=slot, gate=gate)
    if state["can_vote"]:
        return
    k = len(state["heard"])
    which = "both" if k == 2 else f"all {k}"
    so_far = ", ".join(f"answer {int(s) + 1} {state['heard'][s]:.0f} s" for s in state["heard"])
    raise Conflict(
        f"{gate.verb} {which} {gate.noun} for at least {max(state['required_s'].values()):g} s "
        f"each before judging ({gate.measured}: {so_far}).",
        code="listen_more")


def slot_exposure_record(*, slot_id: int, annotator: Annotator, events: object,
                         study_id: int | None = None) -> Exposure:
    """Store a report of player or viewer events (`side` the answer's position, `position` in
    seconds, `t` in ms on the page's clock) for the item the annotator holds."""
    with transaction.atomic():
        slot = slot_held(slot_id=slot_id, annotator=annotator, study_id=study_id)
        gate = study_gate(slot.study)
        if gate is None:
            raise ArenaError("This study does not measure listening or viewing.",
                             code="not_gated")
        candidates = {str(c.position): c for c in slot.item.candidates.all()}
        cleaned = exposure_events_clean(events, candidates)
        StudyExposureEvent.objects.bulk_create(
            StudyExposureEvent(slot=slot, annotator=annotator, candidate=candidates[e["side"]],
                               kind=e["kind"], position_ms=e["position_ms"],
                               client_ms=e["client_ms"])
            for e in cleaned)
    return slot_exposure_state(slot=slot, gate=gate)
