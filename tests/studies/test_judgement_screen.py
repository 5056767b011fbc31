"""Judgements meet the arenas' moderation: filtered explanations and too-fast judgements are
flagged, shadow-banned annotators are left out of the analysis."""

from __future__ import annotations

import pytest

from annotators.models import AnnotatorStatus
from moderation.models import Flag
from studies.analysis import study_analysis
from studies.services.assignment import slot_claim
from studies.services.judgement import judgement_submit
from tests.factories import annotator_create
from tests.studies.factories import study_ready

pytestmark = pytest.mark.django_db


def test_an_explanation_with_personal_data_is_flagged_redacted_and_a_fast_one_too() -> None:
    study = study_ready(items=1, overlap=1)
    study.arena.settings = {"filters": [{"kind": "pii"}]}
    study.arena.save()
    alice = annotator_create()
    slot = slot_claim(study=study, annotator=alice)
    assert slot is not None
    judgement_submit(slot_id=slot.pk, annotator=alice, ranking=[0],
                     explanation="write me at alice@example.org")
    reasons = {flag.reason: flag for flag in Flag.objects.filter(annotator=alice)}
    assert set(reasons) == {"pii", "too_fast"}
    assert "alice@example.org" not in reasons["pii"].excerpt
    assert "[redacted]" in reasons["pii"].excerpt


def test_shadow_banned_judgements_are_kept_but_not_counted() -> None:
    study = study_ready(items=1, overlap=2)
    alice, mallory = annotator_create(), annotator_create()
    for person in (alice, mallory):
        slot = slot_claim(study=study, annotator=person)
        assert slot is not None
        judgement_submit(slot_id=slot.pk, annotator=person, ranking=[0])
    mallory.status = AnnotatorStatus.SHADOW_BANNED
    mallory.save()
    assert study_analysis(study=study)["judgements"] == 1
