"""Flags for review, vote exclusions with their reasons, hidden content, and the audit log."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class FlagKind(models.TextChoices):
    PROMPT = "prompt", "Prompt"
    OUTPUT = "output", "Model output"
    VOTE = "vote", "Vote"
    ANNOTATOR = "annotator", "Annotator"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    ACTIONED = "actioned", "Actioned"


class Flag(models.Model):
    """Something a filter, a detector or a person thinks a moderator should look at.

    A blocked prompt never became a turn, so its text is kept here (`excerpt`) for review;
    deleting the annotator's data clears it.
    """

    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    status = models.CharField(max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    reason = models.CharField(max_length=64, help_text="Stable code, e.g. pii, identity_leak.")
    detail = models.TextField(blank=True)
    source = models.CharField(max_length=64, help_text="The filter or detector that raised it.")
    blocked = models.BooleanField(default=False, help_text="The prompt was refused.")
    excerpt = models.TextField(blank=True)
    arena = models.ForeignKey(
        "battles.Arena", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    annotator = models.ForeignKey(
        "annotators.Annotator", null=True, blank=True, on_delete=models.CASCADE,
        related_name="flags",
    )
    battle = models.ForeignKey(
        "battles.Battle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    turn = models.ForeignKey(
        "battles.Turn", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    generation = models.ForeignKey(
        "battles.Generation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    vote = models.ForeignKey(
        "battles.Vote", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["prompt", "output", "vote", "annotator"]),
                name="flag_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} flag {self.reason} #{self.pk}"


class ExclusionReason(models.TextChoices):
    IDENTITY_LEAK = "identity_leak", "Identity leak"
    MODERATOR = "moderator", "Invalidated by a moderator"
    BANNED = "banned", "Annotator banned"
    SHADOW_BANNED = "shadow_banned", "Annotator shadow-banned"
    DELETED = "deleted", "Annotator deleted their data"


class Exclusion(models.Model):
    """Why a battle's vote (cast already or later) does not count in rankings or releases.

    `Vote.is_valid` is False exactly when its battle has at least one exclusion; this table
    says why, so the leaderboard can report excluded votes per reason.
    """

    battle = models.ForeignKey("battles.Battle", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=32, choices=ExclusionReason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["battle", "reason"], name="exclusion_once_per_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} on battle {self.battle_id}"


class HiddenContent(models.Model):
    """A prompt (turn) or an answer (generation) a moderator hid from pages and releases."""

    turn = models.ForeignKey("battles.Turn", on_delete=models.CASCADE, related_name="+")
    generation = models.ForeignKey(
        "battles.Generation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One moderator or admin action. Append-only: the model refuses updates and deletes, and
    a database trigger refuses them from any other client too.

    The actor is stored by id and name, not by foreign key, so deleting a user can never
    rewrite history.
    """

    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.target_type} {self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")
