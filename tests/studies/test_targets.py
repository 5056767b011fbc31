"""Demographic targets steer assignment: slots held back for groups below target while the
study is young, and never more than that."""

from __future__ import annotations

import pytest

from annotators.models import Annotator
from studies.errors import ArenaError
from studies.services.assignment import slot_claim
from studies.services.judgement import judgement_submit
from studies.services.setup import study_check
from studies.targets import groups_below_target, person_groups, reserved_slots
from tests.factories import annotator_create
from tests.studies.factories import study_ready


def _young_person(annotator: Annotator) -> Annotator:
    annotator.demographics_opt_in, annotator.age_band = True, "18-24"
    annotator.save()
    return annotator


def test_groups_below_target_and_the_slots_held_back() -> None:
    targets = {"age_band": {"18-24": 0.3}, "languages": {"pt": 0.5}}
    young = {"demographics_opt_in": True, "age_band": "18-24", "languages": ["en"]}
    hidden = {"demographics_opt_in": False, "age_band": "18-24", "languages": ["pt"]}
    assert person_groups(young) == {("age_band", "18-24"), ("languages", "en")}
    assert person_groups(hidden) == set()
    assert groups_below_target(targets, []) == {("age_band", "18-24"): 0.3,
                                                ("languages", "pt"): 0.5}
    assert groups_below_target(targets, [young, hidden]) == {("languages", "pt"): 0.5}
    assert reserved_slots(overlap=3, below={("age_band", "18-24"): 0.3}) == 1
    assert reserved_slots(overlap=4, below={("languages", "pt"): 0.5}) == 2
    assert reserved_slots(overlap=1, below={("languages", "pt"): 0.5}) == 0  # never all
    assert reserved_slots(overlap=3, below={}) == 0


@pytest.mark.django_db
def test_a_young_study_keeps_a_slot_for_an_under_represented_group() -> None:
    study = study_ready(items=1, overlap=3, demographic_targets={"age_band": {"18-24": 0.3}})
    alice, dave, erin = annotator_create(), annotator_create(), annotator_create()
    bob = _young_person(annotator_create())
    first = slot_claim(study=study, annotator=alice)
    assert first is not None and first.index == 0
    judgement_submit(slot_id=first.pk, annotator=alice, ranking=[0])
    second = slot_claim(study=study, annotator=dave)
    assert second is not None and second.index == 1
    assert slot_claim(study=study, annotator=erin) is None  # the last slot waits for 18-24
    kept = slot_claim(study=study, annotator=bob)
    assert kept is not None and kept.index == 2


@pytest.mark.django_db
def test_once_half_the_slots_are_judged_every_slot_is_open() -> None:
    study = study_ready(items=1, overlap=3, demographic_targets={"age_band": {"18-24": 0.3}})
    alice, dave, erin = annotator_create(), annotator_create(), annotator_create()
    for person in (alice, dave):
        slot = slot_claim(study=study, annotator=person)
        assert slot is not None
        judgement_submit(slot_id=slot.pk, annotator=person, ranking=[0])
    last = slot_claim(study=study, annotator=erin)  # 2 of 3 judged: no longer young
    assert last is not None and last.index == 2


@pytest.mark.django_db
def test_targets_name_known_dimensions() -> None:
    study = study_ready(items=1, demographic_targets={"income": {"high": 0.2}})
    with pytest.raises(ArenaError, match="not income"):
        study_check(study)
