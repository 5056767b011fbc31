"""A curated study's judgements as release rows: one row per judgement, streamed.

The same rules as the arena's releases (`releases.rows`): only people `annotators_releasable`
admits (consented, active, data not deleted), personal data masked by the one redactor,
identifiers keyed per *arena* with the release secret, so a judge has the same pseudonym here
as in the arena's battle releases and a row keeps its id in every later release. Skips and gold
(screening) items are not judgements of the models and are left out. Judges' demographics and
the answers' media files go through the same code as a battle release's (`releases.rows`,
`releases.media`), with the same k.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from annotators.models import Annotator
from releases.demographics import Demographics
from releases.judges import judge_columns, people_demographics
from releases.media import MediaInfo, MediaSink, media_measured, media_release_path
from releases.pseudonyms import opaque_id
from releases.reading import BATCH
from releases.redaction import redact_text
from releases.rows import Naming
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


def study_judges_demographics(*, study: Study, naming: Naming, k: int) -> dict[str, Demographics]:
    """k-anonymous demographics of the judges whose judgements the release holds (and no one
    else: a combination is counted only among the people released)."""
    people = Annotator.objects.filter(
        study_judgements__in=study_judgements_releasable(study=study)).distinct()
    return people_demographics(people, naming, k)


def _media_columns(shown: list[StudyCandidate], naming: Naming, media: MediaSink,
                   measured: dict[str, MediaInfo | None]) -> dict[str, list[Any]]:
    """The K answers' files under keyed names (the stored file's name is the key: random, and
    new whenever an answer is made again), copied through `media`. An item is judged r times,
    so each file's measurements are read once and kept in `measured` (a few bytes a file)."""
    paths: list[str | None] = []
    infos: list[MediaInfo | None] = []
    for candidate in shown:
        name = candidate.media_name
        if not name:
            paths.append(None)
            infos.append(None)
            continue
        path = media_release_path(naming.media(f"study:{name}"), name)
        media(path, name)
        if name not in measured:
            measured[name] = media_measured(name, candidate.media_content_type)
        paths.append(path)
        infos.append(measured[name])
    return {"media": paths, "media_info": infos}


def study_rows(*, study: Study, naming: Naming, stats: StudyStats,
               demographics: Mapping[str, Demographics], media: MediaSink | None = None,
               ) -> Iterator[dict[str, Any]]:
    """Rows in (judgement time, id) order: a function of the data and the secret only. With
    `media` (a study of a media arena), rows carry the answers' files and measurements."""
    candidates = StudyCandidate.objects.select_related("contender").order_by("position")
    judgements = (study_judgements_releasable(study=study)
                  .select_related("item", "study__arena")
                  .prefetch_related(Prefetch("item__candidates", queryset=candidates))
                  .order_by("created_at", "pk"))
    measured: dict[str, MediaInfo | None] = {}
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
        row.update(judge_columns(demographics, row["judge"]))
        if media is not None:
            row.update(_media_columns(shown, naming, media, measured))
        stats.add(row)
        yield row
