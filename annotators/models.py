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


class Annotator(models.Model):
    """A person casting votes; anonymous (cookie) unless linked to an account."""

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

    def __str__(self) -> str:
        return f"annotator {str(self.id)[:8]}"
