"""Reads about studies: who answers, and how far a study has come."""

from __future__ import annotations

import uuid
from typing import TypedDict

from django.db.models import Count, Q
from django.urls import reverse

from battles.citations import citations_to_html, sources_public
from battles.modalities import arena_aspects
from battles.models import Contender, ContenderStatus, reasoning_shown
from battles.rendering import markdown_to_safe_html
from studies.models import ItemState, Judgement, SlotState, Study, StudyCandidate, StudySlot
from studies.services.exposure import slot_exposure_shown


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


def slot_public(*, slot: StudySlot, annotator_id: uuid.UUID) -> dict[str, object]:
    """What the annotator sees of one assigned item: the prompt, the K answers by position,
    how far they are, and where the arena has an exposure gate, its wording and the time each
    answer has had so far (a reload resumes it) — never a contender."""
    study = slot.study
    ready = study.items.filter(state=ItemState.READY).count()
    total = min(ready, study.quota_per_annotator or ready)
    done = StudySlot.objects.filter(study=study, annotator_id=annotator_id,
                                    state=SlotState.DONE).count()
    aspects = {a.slug: a for a in arena_aspects(study.arena)}
    return {
        "slot": slot.pk,
        "n": done + 1,
        "of": max(total, done + 1),
        "prompt": slot.item.text,
        "image_url": slot.item.image_url,
        "vote_format": study.vote_format,
        "k": study.k,
        "aspects": [{"slug": s, "label": aspects[s].label, "question": aspects[s].question}
                    for s in study.aspects if s in aspects],
        "candidates": [candidate_public(candidate=c,
                                        show_reasoning=reasoning_shown(study.arena.settings))
                       for c in slot.item.candidates.order_by("position")],
        "exposure": slot_exposure_shown(slot=slot),
    }


def candidate_public(*, candidate: StudyCandidate, show_reasoning: bool) -> dict[str, object]:
    """One answer as the page shows it, by its kind: sanitized HTML (search answers with their
    citations in the one standard style), or an opaque media address. A file's address and
    format say nothing about the model: every file of an arena was normalized to one format."""
    citations = candidate.trace.get("citations", []) if isinstance(candidate.trace, dict) else []
    shown: dict[str, object] = {
        "position": candidate.position,
        "kind": candidate.kind,
        "html": (citations_to_html(candidate.text, citations) if citations
                 else markdown_to_safe_html(candidate.text) if candidate.text else ""),
        "media_url": (reverse("studies:media", args=[candidate.pk]) if candidate.media_name
                      else ""),
    }
    if citations:
        shown["sources"] = sources_public(citations)
    if show_reasoning and candidate.reasoning:
        shown["reasoning_html"] = markdown_to_safe_html(candidate.reasoning)
    return shown


def judgement_reveal(*, judgement: Judgement) -> list[dict[str, object]] | None:
    """Which model wrote which answer, only where the study shows identities after judging."""
    if not judgement.study.reveal_identities:
        return None
    return [{"position": c.position, "name": c.contender.name}
            for c in judgement.item.candidates.select_related("contender").order_by("position")]
