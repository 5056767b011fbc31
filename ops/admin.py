from __future__ import annotations

from django.contrib import admin

from ops.models import ContenderPause


@admin.register(ContenderPause)
class ContenderPauseAdmin(admin.ModelAdmin):
    """Read-only: the record of automatic pauses. To pause by hand, edit the contender."""

    list_display = ["contender", "reason", "paused_at", "resumed_at"]
    list_filter = ["contender__arena"]
    readonly_fields = ["contender", "reason", "paused_at", "resumed_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
