"""Admins define category tags here and can look at (not edit) stored snapshots."""

from __future__ import annotations

from django.contrib import admin

from leaderboard.models import CategoryTag, LeaderboardSnapshot


@admin.register(CategoryTag)
class CategoryTagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "arena", "pattern", "is_regex"]
    list_filter = ["arena"]


@admin.register(LeaderboardSnapshot)
class LeaderboardSnapshotAdmin(admin.ModelAdmin):
    list_display = ["arena", "category", "style_control", "created_at", "num_votes", "device",
                    "duration_ms"]
    list_filter = ["arena", "category", "style_control"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
