"""Arenas, contenders, battles, turns, generations and votes.

The database enforces what must never happen: one vote per battle, two different contenders
per battle, one generation per side per turn, known choices only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Arena(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    modality = models.CharField(
        max_length=16, default="text",
        help_text="A modality from the registry (battles/modalities/); the admin offers the "
                  "installed ones.",
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    require_rationale = models.BooleanField(
        default=False, help_text="Votes must come with a written rationale."
    )
    max_prompt_chars = models.PositiveIntegerField(default=4000)
    max_turns = models.PositiveIntegerField(default=10)
    settings = models.JSONField(
        default=dict, blank=True,
        help_text="Typed by the modality (battles/modalities/); checked when an admin saves it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        show = (self.settings or {}).get("show_reasoning")
        if show is not None and not isinstance(show, bool):
            raise ValidationError({"settings": "show_reasoning must be true or false."})


def reasoning_shown(settings: Mapping[str, Any] | None) -> bool:
    """Whether annotators see the models' reasoning in this arena (`show_reasoning`): off unless
    set to true, since reasoning may say more about a model than its answer does."""
    return bool(settings) and (settings or {}).get("show_reasoning") is True


class ContenderStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    DEPRECATED = "deprecated", "Deprecated"


class Contender(models.Model):
    """A model under test in one arena, and how to reach it.

    The API key is never stored: `api_key_env` names the environment variable that holds it.
    """

    arena = models.ForeignKey(Arena, on_delete=models.CASCADE, related_name="contenders")
    slug = models.SlugField()
    name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120, blank=True)
    provider_kind = models.CharField(max_length=32)
    endpoint = models.URLField(blank=True, help_text="Base URL, e.g. http://host:8000/v1")
    model_id = models.CharField(max_length=200, blank=True)
    api_key_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable with the API key."
    )
    params = models.JSONField(
        default=dict, blank=True, help_text="Generation parameters (temperature, max_tokens, …)."
    )
    system_prompt = models.TextField(blank=True)
    capabilities = models.JSONField(
        default=dict, blank=True,
        help_text="What the contender can make, e.g. music: vocals, lyrics, min_duration_s, "
                  "max_duration_s, sample_rate.",
    )
    sampling_weight = models.FloatField(default=1.0)
    status = models.CharField(
        max_length=16, choices=ContenderStatus.choices, default=ContenderStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["arena", "name"]
        constraints = [
            models.UniqueConstraint(fields=["arena", "slug"], name="contender_slug_unique"),
            models.CheckConstraint(
                condition=Q(sampling_weight__gte=0), name="contender_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_demo(self) -> bool:
        return self.provider_kind.startswith("demo")


class BattleMode(models.TextChoices):
    ANONYMOUS = "anonymous", "Anonymous"
    SIDE_BY_SIDE = "side_by_side", "Side by side (named)"


class BattleState(models.TextChoices):
    STREAMING = "streaming", "Streaming"
    READY = "ready", "Ready to vote"
    FAILED = "failed", "Failed"
    VOTED = "voted", "Voted"


class Battle(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    arena = models.ForeignKey(Arena, on_delete=models.PROTECT, related_name="battles")
    annotator = models.ForeignKey(
        "annotators.Annotator", on_delete=models.CASCADE, related_name="battles"
    )
    mode = models.CharField(max_length=16, choices=BattleMode.choices)
    contender_a = models.ForeignKey(Contender, on_delete=models.PROTECT, related_name="+")
    contender_b = models.ForeignKey(Contender, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=16, choices=BattleState.choices, default=BattleState.STREAMING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(contender_a=models.F("contender_b")), name="battle_two_contenders"
            ),
        ]
        indexes = [models.Index(fields=["arena", "mode", "state"])]

    def __str__(self) -> str:
        return f"battle {str(self.id)[:8]}"


class Turn(models.Model):
    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveIntegerField()
    prompt = models.TextField()
    request = models.JSONField(
        default=dict, blank=True,
        help_text="What the modality's router read from the prompt (music: vocals, duration, …).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["battle", "index"]
        constraints = [
            models.UniqueConstraint(fields=["battle", "index"], name="turn_index_unique"),
        ]


class Side(models.TextChoices):
    A = "a", "A"
    B = "b", "B"


class GenerationStatus(models.TextChoices):
    STREAMING = "streaming", "Streaming"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Generation(models.Model):
    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="generations")
    side = models.CharField(max_length=1, choices=Side.choices)
    text = models.TextField(blank=True)
    reasoning = models.TextField(
        blank=True,
        help_text="The model's reasoning (`reasoning_content` and the like), kept apart from the "
                  "answer; annotators see it only where the arena's `show_reasoning` is on.",
    )
    status = models.CharField(
        max_length=16, choices=GenerationStatus.choices, default=GenerationStatus.STREAMING
    )
    error = models.TextField(blank=True)
    time_to_first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    trace = models.JSONField(
        default=dict, blank=True,
        help_text="Search: queries issued, results retrieved, citation → source map, timings.",
    )
    style_counts = models.JSONField(
        null=True, blank=True,
        help_text="Words, headers, list items, bold spans and citations of the final text, "
                  "counted once when it finished; leaderboards read these. Null: not counted.",
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["turn", "side"]
        constraints = [
            models.UniqueConstraint(fields=["turn", "side"], name="generation_side_unique"),
            models.CheckConstraint(condition=Q(side__in=["a", "b"]), name="generation_side_valid"),
        ]


class VoteChoice(models.TextChoices):
    A = "a", "A is better"
    B = "b", "B is better"
    TIE = "tie", "Tie"
    BOTH_BAD = "both_bad", "Both are bad"


class Vote(models.Model):
    battle = models.OneToOneField(Battle, on_delete=models.CASCADE, related_name="vote")
    annotator = models.ForeignKey(
        "annotators.Annotator", on_delete=models.CASCADE, related_name="votes"
    )
    choice = models.CharField(max_length=16, choices=VoteChoice.choices)
    rationale = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    is_valid = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(choice__in=["a", "b", "tie", "both_bad"]), name="vote_choice_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_at"])]


class AspectChoice(models.TextChoices):
    A = "a", "A is better"
    B = "b", "B is better"
    TIE = "tie", "Tie"


class VoteAspect(models.Model):
    """The annotator's choice on one aspect (geometry, texture, …) beside the overall vote.

    Which aspects exist is the arena's setting (battles/modalities/); each gets its own board.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="aspects")
    aspect = models.CharField(max_length=32)
    choice = models.CharField(max_length=8, choices=AspectChoice.choices)

    class Meta:
        ordering = ["vote", "aspect"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "aspect"], name="vote_aspect_unique"),
            models.CheckConstraint(condition=Q(choice__in=["a", "b", "tie"]),
                                   name="vote_aspect_choice_valid"),
        ]


class MediaAsset(models.Model):
    """A file one side produced (image, track, 3D asset), normalized to its arena's format.

    The id and the stored file name are random: neither says which contender made it. The file is
    served only through the ownership-checked media view, never from MEDIA_URL.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    generation = models.OneToOneField(Generation, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, help_text="The modality's media kind: image, audio, …")
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    byte_size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)



class ListenKind(models.TextChoices):
    PLAY = "play", "Play"
    PAUSE = "pause", "Pause"
    SEEK = "seek", "Seek"
    TICK = "tick", "Tick"
    ENDED = "ended", "Ended"


class ListenEvent(models.Model):
    """What the annotator's player did, as the page reported it; the vote gate reads these."""

    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="listen_events")
    side = models.CharField(max_length=1, choices=Side.choices)
    kind = models.CharField(max_length=8, choices=ListenKind.choices)
    position_ms = models.PositiveIntegerField(help_text="Playback position in the track.")
    client_ms = models.FloatField(help_text="The page's clock (performance.now) at the event.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["battle", "received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(side__in=["a", "b"]), name="listen_side_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["play", "pause", "seek", "tick", "ended"]),
                name="listen_kind_valid",
            ),
        ]


class VoteFeedback(models.Model):
    """Optional words after the vote (Music Arena asks what the listener liked or missed)."""

    vote = models.OneToOneField(Vote, on_delete=models.CASCADE, related_name="feedback")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
