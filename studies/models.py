"""Studies: a curated prompt set answered in advance, K answers per item, r annotators per item.

A study sits beside an open arena and borrows its modality and contenders. The database holds
the rules that must never break: K within 2..4, one slot row per (item, overlap index) so an
item can never go to more than r annotators, and at most one slot per (item, annotator) so no
annotator sees an item twice.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotators.models import Annotator
from battles.models import Arena, Contender, ListenKind


class VoteFormat(models.TextChoices):
    BEST = "best", "Best of K"
    RANK = "rank", "Full ranking"


class Pool(models.TextChoices):
    OPEN = "open", "Open to anyone"
    INVITE = "invite", "Invitation link"
    GROUP = "group", "A group of users"


class Sampling(models.TextChoices):
    MODELS = "models", "K contenders answer once each"
    DIVERSE = "diverse", "One contender writes K deliberately different answers"


class StudyState(models.TextChoices):
    DRAFT = "draft", "Draft"
    GENERATING = "generating", "Answers being made"
    OPEN = "open", "Open to annotators"
    CLOSED = "closed", "Closed"


def invite_token_new() -> str:
    return secrets.token_urlsafe(18)


class Study(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    arena = models.ForeignKey(Arena, on_delete=models.PROTECT, related_name="studies")
    k = models.PositiveSmallIntegerField(default=2, help_text="Answers shown per item (2-4).")
    vote_format = models.CharField(max_length=8, choices=VoteFormat.choices,
                                   default=VoteFormat.BEST)
    aspects = models.JSONField(default=list, blank=True,
                               help_text="Aspect slugs of the arena to rate, e.g. [\"accuracy\"].")
    overlap = models.PositiveSmallIntegerField(
        default=3, help_text="How many distinct annotators see each item (r).")
    pool = models.CharField(max_length=8, choices=Pool.choices, default=Pool.OPEN)
    pool_group = models.CharField(max_length=80, blank=True,
                                  help_text="The user group allowed in (pool = group).")
    invite_token = models.CharField(max_length=40, blank=True, default=invite_token_new)
    quota_per_annotator = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most items one annotator may judge; empty: no limit.")
    sampling = models.CharField(max_length=8, choices=Sampling.choices, default=Sampling.MODELS)
    diverse_contender = models.ForeignKey(
        Contender, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The contender asked for K different answers (sampling = diverse).")
    contenders = models.ManyToManyField(
        Contender, blank=True, related_name="studies",
        help_text="Contenders answering (sampling = models); empty: the arena's active ones.")
    demographic_targets = models.JSONField(
        default=dict, blank=True,
        help_text='Wanted share per group, e.g. {"age_band": {"18-24": 0.2}}.')
    reveal_identities = models.BooleanField(
        default=False, help_text="Show annotators which model wrote which answer after judging.")
    gold_min_accuracy = models.FloatField(
        null=True, blank=True,
        help_text="Screen annotators: after GOLD_SCREEN_AFTER gold items, one whose share of "
                  "gold items answered as expected falls below this gets no more items.")
    assignment_ttl_s = models.PositiveIntegerField(
        default=1800, help_text="An unfinished assignment returns to the pool after this long.")
    state = models.CharField(max_length=12, choices=StudyState.choices,
                             default=StudyState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "studies"
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=2, k__lte=4), name="study_k_2_to_4"),
            models.CheckConstraint(condition=Q(overlap__gte=1, overlap__lte=50),
                                   name="study_overlap_1_to_50"),
            models.CheckConstraint(condition=~Q(pool="group") | ~Q(pool_group=""),
                                   name="study_group_pool_names_group"),
            models.CheckConstraint(condition=~Q(pool="invite") | ~Q(invite_token=""),
                                   name="study_invite_pool_has_token"),
            models.CheckConstraint(
                condition=~Q(sampling="diverse") | Q(diverse_contender__isnull=False),
                name="study_diverse_names_contender"),
            models.CheckConstraint(condition=Q(assignment_ttl_s__gte=30),
                                   name="study_ttl_at_least_30s"),
            models.CheckConstraint(
                condition=Q(gold_min_accuracy__isnull=True)
                | Q(gold_min_accuracy__gte=0, gold_min_accuracy__lte=1),
                name="study_gold_min_accuracy_share"),
        ]

    def __str__(self) -> str:
        return self.title


class ItemState(models.TextChoices):
    PENDING = "pending", "Waiting for answers"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class StudyItem(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    text = models.TextField()
    image_url = models.URLField(blank=True, max_length=2000)
    category = models.CharField(max_length=80, blank=True)
    language = models.CharField(max_length=16, blank=True)
    is_gold = models.BooleanField(default=False)
    gold_best = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Gold items: the answer position a careful annotator "
                                         "picks as best (0-based).")
    state = models.CharField(max_length=8, choices=ItemState.choices,
                             default=ItemState.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "position"], name="item_position_unique"),
            models.CheckConstraint(condition=Q(gold_best__isnull=True) | Q(is_gold=True),
                                   name="item_gold_best_only_on_gold"),
            models.CheckConstraint(condition=Q(gold_best__isnull=True) | Q(gold_best__lte=3),
                                   name="item_gold_best_within_k"),
            models.CheckConstraint(condition=~Q(state="failed") | ~Q(error=""),
                                   name="item_failed_says_why"),
        ]
        indexes = [models.Index(fields=["study", "state"], name="item_study_state")]

    def __str__(self) -> str:
        return f"{self.study_id}#{self.position}"


class StudyCandidate(models.Model):
    """One of the K answers of an item, in the order the annotator sees them (shuffled once)."""

    item = models.ForeignKey(StudyItem, on_delete=models.CASCADE, related_name="candidates")
    position = models.PositiveSmallIntegerField()
    contender = models.ForeignKey(Contender, on_delete=models.PROTECT, related_name="+")
    # How the page shows it (battles.modalities.base.AdvanceAnswer): text, search, image,
    # audio or model.
    kind = models.CharField(max_length=8, default="text")
    text = models.TextField(blank=True)
    reasoning = models.TextField(blank=True)
    # Search answers: queries, results and the citations the `[k]` markers point at.
    trace = models.JSONField(default=dict, blank=True)
    media_name = models.CharField(max_length=200, blank=True)
    media_content_type = models.CharField(max_length=60, blank=True)
    # A track's length, so an exposure gate asks no more listening than the track holds.
    media_duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="candidate_position_unique"),
            models.CheckConstraint(condition=Q(position__lte=3), name="candidate_position_lt_4"),
        ]


class SlotState(models.TextChoices):
    OPEN = "open", "Open"
    ASSIGNED = "assigned", "Assigned"
    DONE = "done", "Done"


class StudySlot(models.Model):
    """One of an item's r places for an annotator; created with the item, never more."""

    item = models.ForeignKey(StudyItem, on_delete=models.CASCADE, related_name="slots")
    index = models.PositiveSmallIntegerField()
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="slots")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="study_slots")
    state = models.CharField(max_length=8, choices=SlotState.choices, default=SlotState.OPEN)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "index"], name="slot_index_unique"),
            models.UniqueConstraint(fields=["item", "annotator"], name="slot_one_per_annotator",
                                    condition=Q(annotator__isnull=False)),
            models.CheckConstraint(
                condition=Q(state="open", annotator__isnull=True)
                | Q(state__in=["assigned", "done"], annotator__isnull=False),
                name="slot_annotator_matches_state"),
            models.CheckConstraint(condition=~Q(state="assigned") | Q(expires_at__isnull=False),
                                   name="slot_assigned_expires"),
        ]
        indexes = [
            models.Index(fields=["study", "state"], name="slot_study_state"),
            models.Index(fields=["annotator", "state"], name="slot_annotator_state"),
        ]


class StudyExposureEvent(models.Model):
    """What an annotator's player or viewer did with one answer of the item they hold, as the
    page reported it; in a study of a gated modality the judgement waits until each answer had
    the arena's minimum time (studies/services/exposure.py). Keyed by annotator as well as slot:
    a slot handed back to the pool must not bring its last holder's listening to the next."""

    slot = models.ForeignKey(StudySlot, on_delete=models.CASCADE, related_name="exposure_events")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(StudyCandidate, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=ListenKind.choices)
    position_ms = models.PositiveIntegerField(help_text="Position in the track, or seconds "
                                                        "viewed so far for a 3D model.")
    client_ms = models.FloatField(help_text="The page's clock (performance.now) at the event.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot", "received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["play", "pause", "seek", "tick", "ended"]),
                name="study_exposure_kind_valid"),
        ]
        indexes = [models.Index(fields=["slot", "annotator"], name="exposure_slot_annotator")]


class Judgement(models.Model):
    """An annotator's answer for one slot: the K-way ranking (best first) kept whole, so a
    Plackett-Luce fit can read it as well as the implied pairs."""

    slot = models.OneToOneField(StudySlot, on_delete=models.CASCADE, related_name="judgement")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="judgements")
    item = models.ForeignKey(StudyItem, on_delete=models.CASCADE, related_name="judgements")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE,
                                  related_name="study_judgements")
    ranking = models.JSONField(default=list, blank=True,
                               help_text="Candidate positions, best first; [best] for best-of-K.")
    aspects = models.JSONField(default=dict, blank=True)
    explanation = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(ranking=[]) | ~Q(skip_reason=""),
                                   name="judgement_ranks_or_skips"),
        ]


class StudySkip(models.Model):
    """An annotator passing on an item. The slot goes back to the pool for someone else (a skip
    is not a judgement and must not use up one of the item's r places); this row is what keeps
    the item from coming back to the person who skipped it."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="skips")
    item = models.ForeignKey(StudyItem, on_delete=models.CASCADE, related_name="skips")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="study_skips")
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "annotator"], name="skip_once_per_item"),
        ]
        indexes = [models.Index(fields=["study", "annotator"], name="skip_study_annotator")]
