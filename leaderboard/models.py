"""Stored leaderboards and the admin-defined prompt categories they are split by.

A snapshot is the engine's output for one (arena, category, style control) at one moment,
kept whole so that a page, the API and a data release all show the same numbers.
"""

from __future__ import annotations

import re

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

OVERALL = "overall"
# Category of an annotator group's board: "group:country:FR" (leaderboard.services.groups).
GROUP_PREFIX = "group:"


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
    bit = models.PositiveSmallIntegerField(
        null=True, editable=False,
        help_text="Which bit of RankingRow.tag_flags marks a match; given when first saved.",
    )
    flags_rule = models.CharField(
        max_length=520, blank=True, editable=False,
        help_text="The rule the stored tag flags were computed with; when it differs from the "
        "current rule the next recompute recomputes this tag's flags first.",
    )

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


    @property
    def rule_key(self) -> str:
        return f"{'regex' if self.is_regex else 'words'}:{self.pattern}"


MAX_TAGS_PER_ARENA = 63


class RankingRow(models.Model):
    """What ranking needs of one vote, written once when it becomes known, read as columns.

    Written beside the vote (and filled in by the recompute for votes stored in bulk, e.g.
    imports); `is_valid` follows `Vote.is_valid` through a database trigger, so bulk updates
    by moderation keep it exact. Never holds conversation text: the built-in category flags
    and admin tag flags are computed from the first prompt when the row is written.
    """

    vote = models.OneToOneField("battles.Vote", on_delete=models.CASCADE, primary_key=True,
                                related_name="ranking_row")
    arena = models.ForeignKey("battles.Arena", on_delete=models.CASCADE, related_name="+")
    anonymous = models.BooleanField()
    is_valid = models.BooleanField()
    contender_a = models.BigIntegerField()
    contender_b = models.BigIntegerField()
    outcome = models.SmallIntegerField(help_text="0 a wins, 1 b wins, 2 tie, 3 both bad.")
    flags = models.SmallIntegerField(help_text="Built-in categories, one bit each (CATEGORY_BITS).")
    tag_flags = models.BigIntegerField(default=0, help_text="Bit CategoryTag.bit set on a match.")
    weight = models.FloatField(default=1.0)
    annotator = models.UUIDField(help_text="Whose vote: groups (country, age band, language) "
                                 "are resolved at each recompute, from current consent.")
    style_a = ArrayField(models.IntegerField(), help_text="Style counts of side a per feature.")
    style_b = ArrayField(models.IntegerField())

    class Meta:
        indexes = [models.Index(fields=["arena"], name="ranking_row_arena")]


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
