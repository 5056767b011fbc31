"""Building a curated study's release: the study's judgements (`releases.study_rows`) written
with the same writer, manifest and checksums as an arena release, and a card that describes the
study's design, so `python -m releases.verify` checks it like any other release.

A study release is built on demand (`manage.py release_build --study SLUG`), not on a policy's
schedule: a study is curated and closes, so there is no delay or cadence to apply. It has no
`Release` row (that model belongs to an arena's policy); each build is a new numbered directory
under RELEASES_ROOT/studies/<slug>/, written to a staging name and renamed when complete.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from battles.exposure import exposure_minimum
from battles.modalities import arena_settings, modality_spec
from releases.card import DATASETS_MEDIA, card_configs, media_loading_note
from releases.data_writer import DataWriter
from releases.files import manifest_write
from releases.media import media_copier
from releases.rows import Naming
from releases.schema import CARD, COLUMN_DOCS, DATA_BASENAME, MANIFEST, schema_for
from releases.services import release_k_anonymity, release_secret, releases_root
from releases.study_rows import (
    StudyStats,
    study_excluded_counts,
    study_judges_demographics,
    study_rows,
)
from studies.models import Study

KIND = "study"
MEDIA_KIND = "study_media"  # a study of an image, music or 3D arena: the answers are files


def _exposure(study: Study) -> dict[str, Any] | None:
    """The arena's exposure gate as the study's judgements met it (its minimum at build time)."""
    gate = modality_spec(study.arena.modality).gate
    if gate is None:
        return None
    return {"setting": gate.setting, "measured": gate.measured, "noun": gate.noun,
            "min_s": exposure_minimum(gate, arena_settings(study.arena)),
            "bounded_by_duration": gate.bounded_by_duration}


def _design(study: Study) -> dict[str, Any]:
    return {
        "k": study.k,
        "vote_format": study.vote_format,
        "overlap": study.overlap,
        "pool": study.pool,
        "aspects": list(study.aspects),
        "sampling": study.sampling,
        "prewritten_prompts": True,
        "items": study.items.filter(is_gold=False).count(),
        "exposure": _exposure(study),
    }


def study_card_text(meta: dict[str, Any]) -> str:
    design, counts = meta["design"], meta["counts"]
    formats = {"best": "best of K: the annotator picked the best answer",
               "rank": "full ranking: the annotator ordered all K answers"}
    columns = "\n".join(f"| `{f.name}` | {f.type} | {COLUMN_DOCS[f.name]} |"
                        for f in schema_for(meta["release_kind"]))
    per_model = "\n".join(f"| {name} | {n} |" for name, n in sorted(counts["per_model"].items())
                          ) or "| (none) | 0 |"
    excluded = "\n".join(f"- {reason}: {n}" for reason, n in sorted(counts["excluded"].items()))
    front = [
        "---",
        f"pretty_name: {meta['study']} study judgements, release {meta['release']}",
        f"license: {meta['license']}",
        "task_categories:", "- other",
        "tags:", "- human-preference", "- arena", "- study",
        *card_configs(meta),
        "---",
    ]
    media = _media_text(meta.get("media_kind"))
    exposure = _exposure_text(design.get("exposure"))
    body = f"""
# {meta['study']} study (arena {meta['arena']}) — release {meta['release']}

K-way human judgements from a curated study: a fixed prompt set, answers made in advance by
the models, each item shown to several annotators with its answers anonymous and shuffled.

## Design

- K (answers per item): {design['k']}
- Format: {formats.get(design['vote_format'], design['vote_format'])}
- Overlap (distinct annotators per item): {design['overlap']}
- Annotator pool: {design['pool']}
- Aspects rated: {', '.join(design['aspects']) or 'none'}
- Answer sampling: {design['sampling']}
- Prompts: **pre-written by the researcher** (`prewritten_prompt` is true on every row), not
  the annotator's own as in the arena's battles; {design['items']} items.
{exposure}
## Counts

- Judgements: {counts['judgements']} from {counts['annotators']} annotators, \
{meta['date_range']['start'] or '–'} to {meta['date_range']['end'] or '–'}.
- Files: `{DATA_BASENAME}.parquet` and `{DATA_BASENAME}.jsonl` (the same rows, one per
  judgement), `{MANIFEST}`. No leaderboard file: the rows are K-way, not pairs.

## What is in it, and what is not

- Only judgements by annotators who agreed to release, are not banned and have not deleted
  their data; skipped items and gold (screening) items are left out:

{excluded}

- `judge`, `judgement_id` and `item_id` are keyed hashes, stable across releases; `judge` is
  the same pseudonym as in this arena's battle releases.
- Demographic fields (`judge_age_band`, `judge_country`, `judge_languages`) are present only for
  judges who chose to share them, and only for combinations shared by at least
  {meta['k_anonymity']} judges in this release; otherwise they are null.
{media}
- Personal data in prompts, answers and explanations is replaced by markers such as
  `[REDACTED_EMAIL]`; `python -m releases.verify .` re-scans everything.

## Columns

| column | type | meaning |
|---|---|---|
{columns}

## Judgements per model (rows in which it was one of the K)

| model | judgements |
|---|---|
{per_model}
"""
    return "\n".join(front) + "\n" + body


def _media_text(media_kind: str | None) -> str:
    if not media_kind:
        return ""
    feature = DATASETS_MEDIA.get(media_kind)
    loading = (f"`datasets.load_dataset` reads `media` as `datasets` {feature.capitalize()} "
               "(run it in the release directory: the paths are relative to it)" if feature else
               "`datasets` has no feature for these files, so `media` holds their paths, "
               "relative to the release directory, to open with a library for the format")
    return (f"- The answers are files (media kind `{media_kind}`): `media` lists the K files under `media/`, "
            "in the order shown, named by keyed hashes that say nothing about the model; "
            f"{loading}. `media_info` holds each file's measurements as read from its header "
            "(an image's width and height, a WAV track's duration), null where there are "
            f"none. {media_loading_note({'media_kind': media_kind})}".rstrip() + "\n")


def _exposure_text(exposure: dict[str, Any] | None) -> str:
    if not exposure:
        return ""
    bound = (" (or, where one is shorter, its length less half a second)"
             if exposure["bounded_by_duration"] else "")
    return (f"- Before judging: the judgement opened only once each of the K {exposure['noun']} "
            f"had been {exposure['measured']} for {exposure['min_s']:g} s{bound}, measured by "
            f"the server from the page's player or viewer events (the arena's "
            f"`{exposure['setting']}` when this release was built).\n")


def _number(root: Path) -> int:
    taken = [int(p.name.split("-")[1]) for p in root.glob("release-*")
             if p.is_dir() and p.name.split("-")[1].isdigit()]
    return max(taken, default=0) + 1


def study_release_build(*, study: Study, license: str = "cc-by-4.0") -> Path:
    """Write a new numbered release directory of the study and return it."""
    secret = release_secret()
    root = releases_root() / "studies" / study.slug
    root.mkdir(parents=True, exist_ok=True)
    number = _number(root)
    target = root / f"release-{number:04d}"
    staging = target.with_name(target.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    stats = StudyStats()
    naming = Naming(secret, f"arena:{study.arena_id}")
    k = release_k_anonymity(arena=study.arena)
    media_kind = modality_spec(study.arena.modality).media_kind
    kind = MEDIA_KIND if media_kind else KIND
    try:
        with DataWriter(staging, kind=kind, fastchat=False) as writer:
            for row in study_rows(study=study, naming=naming, stats=stats,
                                  demographics=study_judges_demographics(study=study,
                                                                         naming=naming, k=k),
                                  media=media_copier(staging) if media_kind else None):
                writer.write(row)
        meta = {
            "arena": study.arena.slug,
            "modality": study.arena.modality,
            "release_kind": kind,
            "media_kind": media_kind or None,
            "study": study.slug,
            "release": number,
            "design": _design(study),
            "date_range": {
                "start": stats.date_start.isoformat() if stats.date_start else None,
                "end": stats.date_end.isoformat() if stats.date_end else None,
            },
            "counts": {
                "judgements": stats.judgements,
                "annotators": len(stats.judges),
                "excluded": study_excluded_counts(study=study),
                "per_model": dict(sorted(stats.per_model.items())),
            },
            "models": dict(sorted(stats.models.items())),
            "pseudonyms": "stable",
            "k_anonymity": k,
            "license": license,
        }
        (staging / CARD).write_text(study_card_text(meta), encoding="utf-8")
        manifest_write(staging, meta, writer.written())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    staging.rename(target)
    return target
