"""The dataset card (README.md) with the YAML front matter the Hugging Face loader reads.

`datasets.load_dataset(DIR)` reads `configs`/`data_files` from the front matter: one config,
the Parquet file. `datasets` infers one builder for a directory, so a JSON config beside it was
read as Parquet and failed; FastChat's JSON is described in the text with its own load call.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from releases.schema import (
    COLUMN_DOCS,
    DATA_BASENAME,
    FASTCHAT_PATH,
    INSTALL,
    LEADERBOARD,
    MANIFEST,
    schema_for,
)

# The `datasets` feature a media column's paths become, by the modality's media kind; other
# kinds (3D models) stay plain path strings. Battles hold media_a/media_b, study rows `media`.
DATASETS_MEDIA = {"image": "image", "audio": "audio"}
MEDIA_COLUMNS = ("media_a", "media_b", "media")


def _feature(kind: pa.DataType) -> Any:
    """The `datasets` YAML feature of an Arrow type (the card's dataset_info)."""
    if pa.types.is_list(kind):
        return {"list": _feature(kind.value_type)}
    if pa.types.is_struct(kind):
        return {"struct": [{"name": f.name, **_dtype(f.type)} for f in kind]}
    return {"dtype": {"bool": "bool"}.get(str(kind), str(kind))}


def _dtype(kind: pa.DataType) -> dict[str, Any]:
    found = _feature(kind)
    return found if "dtype" not in found else {"dtype": found["dtype"]}


def dataset_features(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Every column's feature, media paths as `datasets` Image/Audio so `load_dataset` decodes
    them; paths are relative to the release directory."""
    media = DATASETS_MEDIA.get(str(meta.get("media_kind") or ""))
    features = []
    for column in schema_for(meta.get("release_kind") or meta["modality"]):
        feature = {"list": media} if media and column.name in MEDIA_COLUMNS else _feature(column.type)
        features.append({"name": column.name, **feature})
    return features


AUDIO_DECODING = (
    "Audio columns are `datasets` Audio features. `datasets` 4 decodes audio with `torchcodec`"
    " (`pip install torchcodec`, with FFmpeg); without it, cast the column to"
    " `Audio(decode=False)` and read each WAV's bytes with `soundfile`."
)


def media_loading_note(meta: dict[str, Any]) -> str:
    """What a reader needs to decode the release's media, for battle and study cards alike."""
    return AUDIO_DECODING if meta.get("media_kind") == "audio" else ""


def card_configs(meta: dict[str, Any]) -> list[str]:
    """The front matter's `configs` and `dataset_info`, for battle and study cards alike."""
    return [
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {DATA_BASENAME}.parquet",
        # YAML reads JSON: one line, every column typed, media as datasets Image/Audio.
        "dataset_info: " + json.dumps({"features": dataset_features(meta)}),
    ]


def card_text(meta: dict[str, Any], *, fastchat: bool) -> str:
    arena, modality = meta["arena"], meta["modality"]
    configs = card_configs(meta)
    front = [
        "---",
        f"pretty_name: {arena} arena battles, release {meta['release']}",
        f"license: {meta['license']}",
        "task_categories:",
        f"- {meta.get('release_task') or 'other'}",
        "tags:",
        "- human-preference",
        "- arena",
        *configs,
        "---",
    ]
    counts = meta["counts"]
    per_model = "\n".join(
        f"| {name} | {n} |" for name, n in sorted(counts["per_model"].items())
    ) or "| (none) | 0 |"
    columns = "\n".join(
        f"| `{f.name}` | {f.type} | {COLUMN_DOCS[f.name]} |"
        for f in schema_for(meta.get("release_kind") or meta["modality"])
    )
    start, end = meta["date_range"]["start"], meta["date_range"]["end"]
    excluded = "\n".join(
        f"- {reason}: {n}" for reason, n in sorted(counts.get("excluded", {}).items())
    ) or "- (nothing)"
    fastchat_note = (
        f"`{FASTCHAT_PATH}` (FastChat clean-battle format; load it with "
        f"`datasets.load_dataset(\"json\", data_files=\"{FASTCHAT_PATH}\")`: `datasets` picks one "
        "builder per directory, so it is not a second config beside the Parquet one), "
        if fastchat else ""
    )
    body = f"""
# {arena} arena — release {meta['release']}

Pairwise human preference votes from the **{arena}** arena ({modality}): anonymous battles
between two models, each with the full conversation on both sides and the vote.

- Battles: {counts['battles']} from {counts['annotators']} annotators, {start or '–'} to {end or '–'}
  (only battles before the cutoff {meta['cutoff']}, released after a delay of {meta['delay_days']} days).
- Files: `{DATA_BASENAME}.parquet` and `{DATA_BASENAME}.jsonl` (the same rows),
  {fastchat_note}`{LEADERBOARD}`, `{MANIFEST}`.
{media_loading_note(meta)}

## What is in it, and what is not

- Only votes from annotators who agreed to release, that were not invalidated by moderation,
  from annotators who are not banned and have not deleted their data, in anonymous battles.
- **Identifiers are stable across this arena's releases.** `judge` (a keyed-hash pseudonym),
  `question_id` and media file names are the same for the same person, battle and file in every
  release of this arena. Releases are cumulative, so the same rows come back in each one and
  could be joined on their content anyway; stable ids make that explicit and let you
  de-duplicate across releases. A pseudonym is not reversible without the arena's secret.
- The per-prompt cap keeps the first {meta['max_per_prompt']} battles of each prompt (normalized
  for case, punctuation and spacing) in vote order, so every row of an earlier release with the
  same rules is in every later release unless its author withdrew consent or was banned.
- Emails (also spelled out with "at" and "dot"), phone numbers, IP addresses, card numbers,
  IBANs, national id numbers, street addresses and names are replaced by markers such as
  `[REDACTED_EMAIL]` in prompts, answers, rationales, feedback and traces, and `releases.verify`
  re-scans everything with a second, stricter method. Detection is pattern-based and will miss
  some personal data; see the project's PII benchmark for measured recall.
- Demographic fields are present only for combinations shared by at least {meta['k_anonymity']}
  annotators in this release; otherwise they are null.
- Models appear as `model_a`/`model_b` (the registered slug) and `model_a_name`/`model_b_name`
  (the display name, exactly as registered); `manifest.json` maps one to the other.
- **Battles with a model the arena keeps private are withheld, not aliased.** A placeholder name
  does not protect a model whose rating is public: anyone can recompute every model's rating and
  vote count from the rows and match the placeholder to the one name on the site's leaderboard
  that the release lacks (or, with every name aliased, match ratings one to one). So those battles
  are left out, and counted under `counts.excluded.private_contender` in `manifest.json`.

## Why this leaderboard differs from the site's

The site ranks every valid vote up to now; this release ranks only the rows above: battles
before the cutoff, from consenting annotators, without private models, capped per prompt.
`counts.excluded` in `manifest.json` counts every battle left out, by reason:

{excluded}

## Reproduce the leaderboard

`{LEADERBOARD}` was computed by Arena's ranking engine from exactly these rows
(method `{meta['leaderboard_method']}`). Install the engine and the verifier (no database or
site settings needed; torch, numpy, scipy and pyarrow are its dependencies), then, in this
directory, recompute it with

    {INSTALL}
    python -m leaderboard.ranking {DATA_BASENAME}.parquet --json --device cpu

or check the whole release (checksums, schema, privacy scan, leaderboard) with

    python -m releases.verify .

Add `--style` to the ranking command for the style-controlled board: it reads `style_a` /
`style_b` (each side's style counts per turn), sums them over the conversation and fits on
their normalized differences, as the site's style-controlled leaderboard does.

## Columns

| column | type | meaning |
|---|---|---|
{columns}

## Battles per model

| model | battles |
|---|---|
{per_model}
"""
    return "\n".join(front) + "\n" + body
