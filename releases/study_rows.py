"""A curated study's judgements as release rows: one row per judgement, streamed.

The same rules as the arena's releases (`releases.rows`): only people `annotators_releasable`
admits (consented, active, data not deleted), personal data masked by the one redactor,
identifiers keyed per *arena* with the release secret, so a judge has the same pseudonym here
as in the arena's battle releases and a row keeps its id in every later release. Skips and gold
(screening) items are not judgements of the models and are left out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from releases.pseudonyms import opaque_id
from releases.redaction import redact_text
from releases.rows import BATCH, Naming
from releases.sources import annotators_releasable
from studies.models import Judgement, Study, StudyCandidate


@dataclass
class StudyStats:
    """What the manifest says about the rows, accumulated as they stream past."""

    judgements: int = 0
    per_model: Counter[str] = field(default_factory=Counter)
    models: dict[str, str] = field(default_factory=dict)
    judges: set[str] = field(default_factory=set)
    date_start: datetime | None = None
    date_end: datetime | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.judgements += 1
        for slug, name in zip(row["models"], row["model_names"], strict=True):
            self.per_model[slug] += 1
            self.models[slug] = name
        self.judges.add(row["judge"])
        when = datetime.fromtimestamp(row["tstamp"], tz=UTC)
        self.date_start = self.date_start or when
        self.date_end = when


def study_judgements_releasable(*, study: Study) -> QuerySet[Judgement]:
    return Judgement.objects.filter(
        study=study, skip_reason="", item__is_gold=False,
        annotator__in=annotators_releasable(),
    ).exclude(ranking=[])


def study_excluded_counts(*, study: Study) -> dict[str, int]:
    """Why the release has fewer judgements than the study's results page."""
    judged = Judgement.objects.filter(study=study, skip_reason="").exclude(ranking=[])
    scored = judged.filter(item__is_gold=False)
    return {
        "gold_item": judged.count() - scored.count(),
        "annotator_not_releasable": scored.count()
        - scored.filter(annotator__in=annotators_releasable()).count(),
    }


def study_rows(*, study: Study, naming: Naming, stats: StudyStats) -> Iterator[dict[str, Any]]:
    """Rows in (judgement time, id) order: a function of the data and the secret only."""
    candidates = StudyCandidate.objects.select_related("contender").order_by("position")
    judgements = (study_judgements_releasable(study=study)
                  .select_related("item", "study__arena")
                  .prefetch_related(Prefetch("item__candidates", queryset=candidates))
                  .order_by("created_at", "pk"))
    for judgement in judgements.iterator(chunk_size=BATCH):
        shown = list(judgement.item.candidates.all())
        slugs = [c.contender.slug for c in shown]
        row = {
            "judgement_id": opaque_id(secret=naming.secret, scope=naming.scope,
                                      kind="study_judgement", value=judgement.pk),
            "item_id": opaque_id(secret=naming.secret, scope=naming.scope, kind="study_item",
                                 value=judgement.item_id),
            "arena": study.arena.slug,
            "study": study.slug,
            "k": study.k,
            "vote_format": study.vote_format,
            "prewritten_prompt": True,
            "prompt": redact_text(judgement.item.text),
            "models": slugs,
            "model_names": [c.contender.name for c in shown],
            "answers": [redact_text(c.text) for c in shown],
            "ranking": [slugs[p] for p in judgement.ranking],
            "best": slugs[judgement.ranking[0]],
            "aspects": json.dumps({a: slugs[p] for a, p in judgement.aspects.items()},
                                  sort_keys=True) if judgement.aspects else None,
            "explanation": redact_text(judgement.explanation) if judgement.explanation else None,
            "judge": naming.judge(judgement.annotator_id),
            "tstamp": int(judgement.created_at.timestamp()),
        }
        stats.add(row)
        yield row
