"""Why a contender was taken out of matchmaking by the platform, and when it came back."""

from __future__ import annotations

from django.db import models


class ContenderPause(models.Model):
    """One automatic pause. Admins see these in the admin; pauses set by hand leave none."""

    contender = models.ForeignKey(
        "battles.Contender", on_delete=models.CASCADE, related_name="automatic_pauses"
    )
    reason = models.CharField(max_length=200)
    paused_at = models.DateTimeField(auto_now_add=True)
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paused_at"]
        indexes = [models.Index(fields=["resumed_at", "paused_at"], name="ops_contend_resumed_7c1f2a_idx")]

    def __str__(self) -> str:
        return f"{self.contender} paused at {self.paused_at:%Y-%m-%d %H:%M}"
