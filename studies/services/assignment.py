"""Handing out a study's slots: r distinct annotators per item, safe under concurrency.

Each item has exactly r slot rows (created with the item), so no item can ever be judged more
than r times; a unique (item, annotator) constraint means nobody gets an item twice. Claiming
locks one free slot with `SELECT … FOR UPDATE SKIP LOCKED`: two annotators asking at the same
moment lock different rows instead of waiting for each other, and an assignment left longer
than the study's TTL counts as free again. The race that remains — one annotator claiming from
two tabs at once, both picking a slot of the same item — is refused by the unique constraint and
retried once with the item excluded. Demographic targets narrow which slots an annotator may
lock (studies.targets) and nothing else, so the same guarantees hold. A skip hands its slot
back and is remembered apart (`StudySkip`), so the skipper is never offered that item again.
Gold items are handed out first, so a study that screens annotators on them can do so early.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from annotators.models import Annotator
from studies.errors import ArenaError
from studies.models import ItemState, Judgement, SlotState, Study, StudySkip, StudySlot, StudyState
from studies.targets import DIMENSIONS, groups_below_target, person_groups, reserved_slots

GOLD_SCREEN_AFTER = 2


class QuotaReached(ArenaError):
    code = "quota_reached"
    status = 409


class ScreenedOut(ArenaError):
    code = "screened_out"
    status = 403


def _gold_screen(*, study: Study, annotator: Annotator) -> None:
    """Gold items come first (see the claim's order); an annotator who has answered enough of
    them and misses too many is given no more items. Skipped gold items do not count."""
    if study.gold_min_accuracy is None:
        return
    answers = list(Judgement.objects.filter(study=study, annotator=annotator, item__is_gold=True,
                                            skip_reason="")
                   .values_list("ranking", "item__gold_best"))
    if len(answers) < GOLD_SCREEN_AFTER:
        return
    right = sum(1 for ranking, gold in answers if ranking and ranking[0] == gold)
    if right / len(answers) < study.gold_min_accuracy:
        raise ScreenedOut("Thank you for your help; this study has no more items for you.")


def _held(*, study: Study, annotator: Annotator) -> StudySlot | None:
    return (StudySlot.objects.filter(study=study, annotator=annotator, state=SlotState.ASSIGNED)
            .order_by("item__position").first())


def slot_claim(*, study: Study, annotator: Annotator) -> StudySlot | None:
    """The annotator's current slot (resumed after a reload), else a newly claimed one, else
    None when nothing is left for them. QuotaReached past the study's per-annotator quota."""
    if study.state != StudyState.OPEN:
        raise ArenaError("This study is not open.", code="study_not_open", status=409)
    now = timezone.now()
    held = _held(study=study, annotator=annotator)
    if held is not None:
        if held.expires_at is not None and held.expires_at < now:
            StudySlot.objects.filter(pk=held.pk, annotator=annotator,
                                     state=SlotState.ASSIGNED).update(
                expires_at=now + timedelta(seconds=study.assignment_ttl_s))
            held.refresh_from_db()
            if held.annotator_id != annotator.pk or held.state != SlotState.ASSIGNED:
                held = None
        if held is not None:
            return held
    _gold_screen(study=study, annotator=annotator)
    if study.quota_per_annotator is not None:
        taken = StudySlot.objects.filter(study=study, annotator=annotator).count()
        if taken >= study.quota_per_annotator:
            raise QuotaReached(f"You have judged the {study.quota_per_annotator} items this "
                               "study asks of one person. Thank you!")
    for _ in range(3):
        try:
            return _claim_one(study=study, annotator=annotator)
        except IntegrityError:
            continue  # the same annotator claimed this item in a parallel request
    return None


def _steering(*, study: Study, annotator: Annotator) -> tuple[int, bool]:
    """(slots per item held back, whether this annotator may take them); see studies.targets.
    Read before the claim's transaction: a slightly stale share only shifts which annotator
    takes a reserved slot, never how many annotators an item gets."""
    if not study.demographic_targets:
        return 0, True
    states = Counter(StudySlot.objects.filter(study=study).values_list("state", flat=True))
    if states[SlotState.DONE] * 2 >= sum(states.values()):
        return 0, True  # no longer young: every slot is open to everyone
    fields = ("demographics_opt_in", *DIMENSIONS)
    people = Annotator.objects.filter(
        study_slots__study=study, study_slots__state__in=[SlotState.ASSIGNED, SlotState.DONE],
    ).exclude(pk=annotator.pk).distinct().values(*fields)
    below = groups_below_target(study.demographic_targets, list(people))
    reserved = reserved_slots(overlap=study.overlap, below=below)
    mine = person_groups({f: getattr(annotator, f) for f in fields})
    return reserved, bool(mine & below.keys())


def _claim_one(*, study: Study, annotator: Annotator) -> StudySlot | None:
    now = timezone.now()
    reserved, may_take_reserved = _steering(study=study, annotator=annotator)
    with transaction.atomic():
        free = (
            StudySlot.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(study=study, item__state=ItemState.READY)
            .filter(Q(state=SlotState.OPEN) | Q(state=SlotState.ASSIGNED, expires_at__lt=now))
            .exclude(item__in=StudySlot.objects.filter(study=study, annotator=annotator)
                     .values("item"))
            .exclude(item__in=StudySkip.objects.filter(study=study, annotator=annotator)
                     .values("item"))
        )
        if reserved and not may_take_reserved:
            free = free.filter(index__lt=study.overlap - reserved)
        # An annotator of a group below target takes the held-back slots first, leaving the
        # open ones to everybody else.
        index_order = "-index" if reserved and may_take_reserved else "index"
        slot = free.order_by("-item__is_gold", "item__position", index_order).first()
        if slot is None:
            return None
        slot.annotator, slot.state = annotator, SlotState.ASSIGNED
        slot.expires_at = now + timedelta(seconds=study.assignment_ttl_s)
        slot.save(update_fields=["annotator", "state", "expires_at"])
    return slot


def slots_expired_release(*, study: Study) -> int:
    """Put abandoned assignments back in the pool (claiming treats them as free anyway; this
    keeps the progress figures honest)."""
    return StudySlot.objects.filter(study=study, state=SlotState.ASSIGNED,
                                    expires_at__lt=timezone.now()).update(
        state=SlotState.OPEN, annotator=None, expires_at=None)
