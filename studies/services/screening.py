"""Moderation for study judgements, as arenas do it for votes: the arena's text filters read
the explanation (a finding flags it for moderators, it does not refuse it, as a rationale is
not refused), and a judgement made faster than anybody can read is flagged. Shadow-banned
annotators' judgements are kept but left out of every analysis (studies/analysis.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings

from moderation.models import Flag, FlagKind
from moderation.services.screening import arena_filters
from studies.models import Judgement

_REDACT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+|\+?\d[\d\s().-]{5,}\d")


def judgement_screen(*, judgement: Judgement, shown_at: datetime | None) -> list[Flag]:
    study = judgement.study
    flags: list[Flag] = []
    if judgement.explanation:
        for configured in arena_filters(study.arena):
            if "prompt" not in configured.applies_to:
                continue
            findings = configured.filter.check(judgement.explanation)
            if not findings:
                continue
            finding = findings[0]
            excerpt = judgement.explanation[:2000]
            if finding.reason == "pii":
                excerpt = _REDACT.sub("[redacted]", excerpt)
            flags.append(Flag.objects.create(
                kind=FlagKind.VOTE, reason=finding.reason, source=configured.filter.name,
                detail=f"study {study.slug}: {finding.detail}", arena=study.arena,
                annotator=judgement.annotator, excerpt=excerpt))
            break
    minimum = timedelta(seconds=settings.MODERATION_MIN_SECONDS_TO_VOTE)
    took = judgement.created_at - shown_at if shown_at is not None else None
    if took is not None and not judgement.skip_reason and took < minimum:
        flags.append(Flag.objects.create(
            kind=FlagKind.VOTE, reason="too_fast", source="timing", arena=study.arena,
            annotator=judgement.annotator,
            detail=f"study {study.slug}: judged {took.total_seconds():.1f} s after the item "
                   "was shown"))
    return flags
