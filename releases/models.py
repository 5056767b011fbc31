"""Release policies (one per arena, edited in the admin) and the releases they produce.

A release moves draft → published or draft → discarded. A published release is immutable: the
row refuses saves and deletes (and a database trigger refuses them from any client, bulk
updates included), and its files are made read-only on disk.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

# Below this, a demographic combination singles out too few people to publish; an admin may
# ask for more, never for less (the builder uses the larger of the two).
K_ANONYMITY_FLOOR = 5


class ReleasePolicy(models.Model):
    arena = models.OneToOneField(
        "battles.Arena", on_delete=models.CASCADE, related_name="release_policy"
    )
    is_active = models.BooleanField(
        default=True, help_text="Build drafts on the schedule. Publishing stays a manual step."
    )
    cadence_days = models.PositiveIntegerField(
        default=30, help_text="A new draft is built when the last one is this many days old."
    )
    delay_days = models.PositiveIntegerField(
        default=14, help_text="Only battles older than this many days are released."
    )
    private_contenders = models.ManyToManyField(
        "battles.Contender", blank=True, related_name="+",
        help_text="Their battles are withheld from releases (see the dataset card for why).",
    )
    max_per_prompt = models.PositiveIntegerField(
        default=20, help_text="At most this many battles per normalized first prompt (0: no cap)."
    )
    k_anonymity = models.PositiveIntegerField(
        default=10, help_text=f"Demographics are released only in combinations shared by ≥ k people "
                  f"(at least {K_ANONYMITY_FLOOR}, whatever is set here)."
    )
    fastchat_export = models.BooleanField(
        default=True, help_text="Also write FastChat's clean-battle JSON (text and search arenas)."
    )
    license = models.CharField(max_length=64, default="cc-by-4.0")

    class Meta:
        verbose_name_plural = "release policies"
        constraints = [
            models.CheckConstraint(condition=models.Q(k_anonymity__gte=K_ANONYMITY_FLOOR),
                                   name="policy_k_floor"),
            models.CheckConstraint(condition=models.Q(cadence_days__gte=1),
                                   name="policy_cadence_positive"),
        ]

    def __str__(self) -> str:
        return f"Release policy for {self.arena}"

    def clean(self) -> None:
        if self.k_anonymity < K_ANONYMITY_FLOOR:
            raise ValidationError({"k_anonymity": f"k must be at least {K_ANONYMITY_FLOOR}."})


class ReleaseState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"


class ReleaseImmutable(ValidationError):
    """A published release cannot change; adapters show this message."""


class Release(models.Model):
    policy = models.ForeignKey(ReleasePolicy, on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per arena; part of per-release salts.")
    state = models.CharField(max_length=16, choices=ReleaseState.choices, default=ReleaseState.DRAFT)
    cutoff = models.DateTimeField(help_text="Battles created before this moment are eligible.")
    directory = models.CharField(max_length=200, help_text="Relative to RELEASES_ROOT.")
    date_start = models.DateTimeField(null=True, blank=True)
    date_end = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-cutoff", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="release_number_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=["draft", "published", "discarded"]),
                name="release_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.arena.slug} release {self.number} ({self.state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_state() == ReleaseState.PUBLISHED:
            raise ReleaseImmutable("A published release cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_state() == ReleaseState.PUBLISHED:
            raise ReleaseImmutable("A published release cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _stored_state(self) -> str | None:
        if self._state.adding or self.pk is None:
            return None
        return Release.objects.filter(pk=self.pk).values_list("state", flat=True).first()


class RowFragment(models.Model):
    """A voted battle's release row, made once: the columns that do not change between releases
    (keyed ids, masked conversation, language, times, style, categories, traces), serialized as
    JSON pieces. A release splices them with what it decides itself (model names as registered
    now, k-anonymous demographics, moderation tags), so building one costs about a bare copy of
    its rows instead of redacting every battle ever cast again (releases.fragments).

    `version` fingerprints the secret, the release format and the code that makes a row (the
    redactor's patterns included): a fragment made under another one is remade, never used.
    Deleting a battle deletes its fragment; feedback given after the vote drops it too.
    """

    battle = models.OneToOneField("battles.Battle", on_delete=models.CASCADE, primary_key=True,
                                  related_name="release_fragment")
    version = models.CharField(max_length=32)
    question_id = models.CharField(max_length=64)
    judge = models.CharField(max_length=64)
    tstamp = models.BigIntegerField()
    prompt_key = models.BinaryField(help_text="digest of the normalized first prompt (the cap)")
    fixed = ArrayField(models.TextField(), help_text="JSON members of each run of fixed columns")
    conversations = models.TextField(help_text='JSON members "conversation_a":…,"conversation_b":…')
    fastchat = models.TextField(help_text="JSON members of FastChat's record but models and conversations")
    media_files = models.JSONField(null=True, blank=True,
                                   help_text="[release path, storage name] of each file to copy")

    def __str__(self) -> str:
        return f"release row of battle {self.battle_id}"
