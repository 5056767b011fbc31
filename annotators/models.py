"""Who votes, and what they agreed to."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class TermsVersion(models.Model):
    """A published version of the terms of use. A newer version asks everybody again."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200, default="Terms of use")
    body = models.TextField(help_text="Shown on the consent page; Markdown.")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Terms v{self.version}"


class AnnotatorStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BANNED = "banned", "Banned"
    SHADOW_BANNED = "shadow_banned", "Shadow-banned (votes silently do not count)"


class AgeBand(models.TextChoices):
    UNDER_25 = "18-24", "18–24"
    FROM_25 = "25-34", "25–34"
    FROM_35 = "35-44", "35–44"
    FROM_45 = "45-54", "45–54"
    FROM_55 = "55-64", "55–64"
    OVER_65 = "65+", "65 or over"


class Annotator(models.Model):
    """A person casting votes; anonymous (cookie) unless linked to an account.

    A deleted annotator stays as a tombstone (`data_deleted_at`): its content is scrubbed, its
    votes no longer count, and releases skip it, while vote counts remain explainable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    consent_version = models.PositiveIntegerField(null=True, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    release_consent = models.BooleanField(
        default=False, help_text="Agreed that prompts and conversations may be released."
    )
    status = models.CharField(
        max_length=16, choices=AnnotatorStatus.choices, default=AnnotatorStatus.ACTIVE
    )
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    demographics_opt_in = models.BooleanField(default=False)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes.")
    data_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the person deleted their data; never released."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "banned", "shadow_banned"]),
                name="annotator_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"annotator {str(self.id)[:8]}"
