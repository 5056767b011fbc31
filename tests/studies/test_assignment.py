"""Slots under concurrency: r distinct annotators per item, never one item twice, abandoned
assignments back in the pool."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from studies.models import Judgement, SlotState, StudySkip, StudySlot
from studies.services.assignment import (
    QuotaReached,
    ScreenedOut,
    slot_claim,
    slots_expired_release,
)
from studies.services.judgement import judgement_submit, slot_skip
from tests.factories import annotator_create
from tests.studies.factories import study_ready


@pytest.mark.django_db
def test_it_resumes_the_same_item_then_moves_on_after_judging() -> None:
    study = study_ready(items=2, overlap=2)
    alice = annotator_create()
    first = slot_claim(study=study, annotator=alice)
    assert first is not None
    assert slot_claim(study=study, annotator=alice) == first  # a reload shows the same item
    judgement_submit(slot_id=first.pk, annotator=alice, ranking=[1])
    second = slot_claim(study=study, annotator=alice)
    assert second is not None and second.item_id != first.item_id
    judgement_submit(slot_id=second.pk, annotator=alice, ranking=[0])
    assert slot_claim(study=study, annotator=alice) is None  # never the same item twice


@pytest.mark.django_db
def test_an_abandoned_assignment_returns_to_the_pool() -> None:
    study = study_ready(items=1, overlap=1)
    alice, bob = annotator_create(), annotator_create()
    slot = slot_claim(study=study, annotator=alice)
    assert slot is not None and slot_claim(study=study, annotator=bob) is None
    StudySlot.objects.filter(pk=slot.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = slot_claim(study=study, annotator=bob)
    assert taken is not None and taken.pk == slot.pk and taken.annotator_id == bob.pk
    with pytest.raises(Exception, match="no longer assigned to you"):
        judgement_submit(slot_id=slot.pk, annotator=alice, ranking=[0])


@pytest.mark.django_db
def test_expired_assignments_are_released_and_quotas_hold() -> None:
    study = study_ready(items=3, overlap=1, quota_per_annotator=1)
    alice = annotator_create()
    slot = slot_claim(study=study, annotator=alice)
    assert slot is not None
    judgement_submit(slot_id=slot.pk, annotator=alice, ranking=[0])
    with pytest.raises(QuotaReached):
        slot_claim(study=study, annotator=alice)
    carol = annotator_create()
    held = slot_claim(study=study, annotator=carol)
    assert held is not None
    StudySlot.objects.filter(pk=held.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert slots_expired_release(study=study) == 1
    assert StudySlot.objects.get(pk=held.pk).state == SlotState.OPEN


@pytest.mark.django_db
def test_it_refuses_a_ranking_that_is_not_a_permutation() -> None:
    study = study_ready(items=1, k=3, vote_format="rank")
    alice = annotator_create()
    slot = slot_claim(study=study, annotator=alice)
    assert slot is not None
    for bad in ([0, 1], [0, 0, 1], [0, 1, 3]):
        with pytest.raises(Exception, match="Rank all 3 answers"):
            judgement_submit(slot_id=slot.pk, annotator=alice, ranking=bad)
    with pytest.raises(Exception, match="Rank all 3 answers"):
        judgement_submit(slot_id=slot.pk, annotator=alice, ranking=[])
    with pytest.raises(Exception, match="Say why you skip"):
        slot_skip(slot_id=slot.pk, annotator=alice, reason="  ")
    judgement_submit(slot_id=slot.pk, annotator=alice, ranking=[2, 0, 1])
    assert StudySlot.objects.get(pk=slot.pk).state == SlotState.DONE


@pytest.mark.django_db
def test_a_skip_hands_the_slot_to_someone_else_and_never_comes_back_to_the_skipper() -> None:
    study = study_ready(items=2, overlap=1)
    alice, bob = annotator_create(), annotator_create()
    skipped = slot_claim(study=study, annotator=alice)
    assert skipped is not None
    slot_skip(slot_id=skipped.pk, annotator=alice, reason="I can't read it")
    assert StudySlot.objects.get(pk=skipped.pk).state == SlotState.OPEN
    with pytest.raises(Exception, match="no longer assigned"):
        judgement_submit(slot_id=skipped.pk, annotator=alice, ranking=[0])
    other = slot_claim(study=study, annotator=alice)
    assert other is not None and other.item_id != skipped.item_id
    judgement_submit(slot_id=other.pk, annotator=alice, ranking=[0])
    assert slot_claim(study=study, annotator=alice) is None  # the skipped item stays away
    taken = slot_claim(study=study, annotator=bob)
    assert taken is not None and taken.pk == skipped.pk  # the item's only place, not used up
    judgement_submit(slot_id=taken.pk, annotator=bob, ranking=[1])
    assert StudySkip.objects.get(annotator=alice).item_id == skipped.item_id
    assert Judgement.objects.filter(item_id=skipped.item_id).get().annotator_id == bob.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_annotators_never_overfill_a_slot() -> None:
    study = study_ready(items=6, overlap=3)
    annotators = [annotator_create() for _ in range(12)]
    barrier = threading.Barrier(len(annotators))
    errors: list[BaseException] = []

    def work(annotator_index: int) -> None:
        annotator = annotators[annotator_index]
        try:
            barrier.wait()
            while True:
                slot = slot_claim(study=study, annotator=annotator)
                if slot is None:
                    return
                judgement_submit(slot_id=slot.pk, annotator=annotator, ranking=[0])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(annotators))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    done = StudySlot.objects.filter(study=study, state=SlotState.DONE)
    assert done.count() == 18  # every slot filled exactly once
    per_item = Counter(done.values_list("item_id", flat=True))
    assert set(per_item.values()) == {3}
    pairs = list(done.values_list("item_id", "annotator_id"))
    assert len(pairs) == len(set(pairs))


@pytest.mark.django_db
def test_gold_items_come_first_and_screen_out_a_careless_annotator() -> None:
    study = study_ready(items=4, overlap=2, gold_min_accuracy=0.5)
    gold_items = list(study.items.order_by("position")[2:])
    for item in gold_items:
        item.is_gold, item.gold_best = True, 1
        item.save()
    careless, careful = annotator_create(), annotator_create()
    for person, pick in ((careless, 0), (careful, 1)):
        for _ in range(2):
            slot = slot_claim(study=study, annotator=person)
            assert slot is not None and slot.item.is_gold  # gold first
            judgement_submit(slot_id=slot.pk, annotator=person, ranking=[pick])
    with pytest.raises(ScreenedOut):
        slot_claim(study=study, annotator=careless)
    following = slot_claim(study=study, annotator=careful)
    assert following is not None and not following.item.is_gold
