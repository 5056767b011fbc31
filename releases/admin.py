"""Admins edit release policies and move releases draft → published or discarded here.

Building writes files and can take a while; the admin action runs it in the request, which is
fine for the arena sizes an admin builds by hand (the hourly beat task covers the rest).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import HttpRequest

from arena.database import database_unhurried
from battles.models import Contender
from releases.models import Release, ReleasePolicy, ReleaseState
from releases.services import ReleaseError, release_build, release_discard, release_publish


class ReleasePolicyForm(forms.ModelForm):
    class Meta:
        model = ReleasePolicy
        fields = [
            "arena", "is_active", "cadence_days", "delay_days",
            "private_contenders", "max_per_prompt", "k_anonymity", "fastchat_export", "license",
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        arena = data.get("arena")
        private = data.get("private_contenders")
        if arena is not None and private is not None:
            foreign = [c for c in private if isinstance(c, Contender) and c.arena_id != arena.id]
            if foreign:
                self.add_error("private_contenders", "Pick contenders of this policy's arena only.")
        return data


@admin.register(ReleasePolicy)
class ReleasePolicyAdmin(admin.ModelAdmin):
    form = ReleasePolicyForm
    list_display = ["arena", "is_active", "cadence_days", "delay_days", "k_anonymity"]
    filter_horizontal = ["private_contenders"]
    actions = ["build_draft"]

    @admin.action(description="Build a draft release now")
    def build_draft(self, request: HttpRequest, queryset: QuerySet[ReleasePolicy]) -> None:
        for policy in queryset.select_related("arena"):
            try:
                with database_unhurried():  # a web request: lift its statement timeout
                    release = release_build(policy=policy)
            except (ReleaseError, ImproperlyConfigured) as error:
                self.message_user(request, f"{policy.arena}: {error}", messages.ERROR)
                continue
            self.message_user(request, f"{policy.arena}: draft release {release.number} built with "
                                       f"{release.counts.get('battles', 0)} battles.")


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state", "cutoff", "date_start", "date_end", "built_at", "published_at"]
    list_filter = ["state", "policy__arena"]
    fields = readonly_fields = (
        "policy", "number", "state", "cutoff", "directory", "date_start", "date_end", "counts",
        "manifest_sha256", "built_at", "published_at", "discarded_at",
    )
    actions = ["publish", "discard", "rebuild"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        return obj is not None and obj.state != ReleaseState.PUBLISHED and super().has_delete_permission(
            request, obj
        )

    def _each(self, request: HttpRequest, queryset: QuerySet[Release], action: str) -> None:
        for release in queryset.select_related("policy__arena"):
            try:
                if action == "publish":
                    release_publish(release=release)
                elif action == "discard":
                    release_discard(release=release)
                else:
                    with database_unhurried():
                        release_build(policy=release.policy, release=release)
            except (ReleaseError, ImproperlyConfigured) as error:
                self.message_user(request, f"{release}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{release}: done.")

    @admin.action(description="Publish (files become read-only; cannot be undone)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        self._each(request, queryset, "publish")

    @admin.action(description="Discard (deletes the draft's files)")
    def discard(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        self._each(request, queryset, "discard")

    @admin.action(description="Rebuild draft from the same cutoff")
    def rebuild(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        self._each(request, queryset, "rebuild")
