"""Stored leaderboards and the admin-defined prompt categories they are split by.

A snapshot is the engine's output for one (arena, category, style control) at one moment,
kept whole so that a page, the API and a data release all show the same numbers.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

OVERALL = "overall"


class CategoryTag(models.Model):
    """An admin-defined category: battles whose first prompt matches the rule."""

    arena = models.ForeignKey("battles.Arena", on_delete=models.CASCADE, related_name="tags")
    slug = models.SlugField(max_length=64)
    name = models.CharField(max_length=120)
    pattern = models.CharField(
        max_length=500,
        help_text="A regular expression, or comma-separated keywords; matched case-insensitively "
        "against the first prompt.",
    )
    is_regex = models.BooleanField(default=False)

    class Meta:
        ordering = ["arena", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["arena", "slug"], name="category_tag_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_regex:
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValidationError(
                    {"pattern": f"Not a valid regular expression: {error}"}
                ) from None
        if self.slug in RESERVED_CATEGORIES:
            raise ValidationError({"slug": f"{self.slug!r} is a built-in category."})


RESERVED_CATEGORIES = (OVERALL, "english", "non_english", "multi_turn", "long_prompts")


class LeaderboardSnapshot(models.Model):
    arena = models.ForeignKey(
        "battles.Arena", on_delete=models.CASCADE, related_name="leaderboard_snapshots"
    )
    category = models.CharField(max_length=64, default=OVERALL)
    style_control = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    num_votes = models.PositiveIntegerField()
    device = models.CharField(max_length=32)
    duration_ms = models.PositiveIntegerField()
    result = models.JSONField(
        help_text="Engine output: rows of contender_id, name, rating, lower, upper, rank, votes."
    )
    matrices = models.JSONField(
        default=dict, help_text="contender_ids, win_rate and battle_count, row-major."
    )
    excluded = models.JSONField(
        default=dict, help_text="Votes left out, per reason, e.g. {'invalidated': 3}."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["arena", "category", "style_control", "-created_at"],
                name="snapshot_latest",
            )
        ]

    def __str__(self) -> str:
        style = " (style control)" if self.style_control else ""
        return f"{self.arena_id}/{self.category}{style} @ {self.created_at:%Y-%m-%d %H:%M}"
