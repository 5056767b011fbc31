"""Reads for moderators, the leaderboard and releases."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from battles.models import Arena, BattleMode, Vote
from moderation.models import AuditEntry, Exclusion, Flag, FlagStatus, HiddenContent


def excluded_vote_counts(*, arena: Arena, mode: str | None = BattleMode.ANONYMOUS) -> dict[str, int]:
    """Invalid votes in this arena per reason (a vote with two reasons counts under both);
    invalid votes with no recorded reason count as "other". `mode=None` counts every mode."""
    exclusions = Exclusion.objects.filter(battle__arena=arena, battle__vote__isnull=False)
    votes = Vote.objects.filter(battle__arena=arena, is_valid=False)
    if mode is not None:
        exclusions = exclusions.filter(battle__mode=mode)
        votes = votes.filter(battle__mode=mode)
    counts = {
        row["reason"]: row["n"]
        for row in exclusions.values("reason").annotate(n=Count("battle", distinct=True))
    }
    unexplained = votes.exclude(
        battle_id__in=Exclusion.objects.values("battle_id")
    ).count()
    if unexplained:
        counts["other"] = unexplained
    return counts


def flags_open(*, kind: str | None = None) -> QuerySet[Flag]:
    flags = Flag.objects.filter(status=FlagStatus.OPEN).select_related("arena", "annotator")
    return flags.filter(kind=kind) if kind else flags


def audit_recent(*, limit: int = 200) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.all()[:limit]


def hidden_turn_ids(*, battle_ids: Iterable[object] | None = None) -> set[int]:
    """Prompts hidden whole (not just one answer), for pages and releases; of these battles
    only, if given."""
    rows = HiddenContent.objects.filter(generation__isnull=True)
    if battle_ids is not None:
        rows = rows.filter(turn__battle_id__in=list(battle_ids))
    return set(rows.values_list("turn_id", flat=True))


def hidden_generation_ids() -> set[int]:
    return set(
        HiddenContent.objects.filter(generation__isnull=False)
        .values_list("generation_id", flat=True)
    )
