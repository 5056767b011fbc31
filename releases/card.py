"""The dataset card (README.md) with the YAML front matter the Hugging Face loader reads.

`datasets.load_dataset(DIR)` reads `configs`/`data_files` from the front matter; the default
config is the Parquet file, a second config the FastChat-format JSON where there is one.
"""

from __future__ import annotations

from typing import Any

from releases.schema import DATA_BASENAME, FASTCHAT_PATH, LEADERBOARD, MANIFEST


def card_text(meta: dict[str, Any], *, fastchat: bool) -> str:
    arena, modality = meta["arena"], meta["modality"]
    configs = [
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {DATA_BASENAME}.parquet",
    ]
    if fastchat:
        configs += [
            "- config_name: fastchat",
            "  data_files:",
            "  - split: train",
            f"    path: {FASTCHAT_PATH}",
        ]
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
    start, end = meta["date_range"]["start"], meta["date_range"]["end"]
    fastchat_note = f"`{FASTCHAT_PATH}` (FastChat clean-battle format), " if fastchat else ""
    body = f"""
# {arena} arena — release {meta['release']}

Pairwise human preference votes from the **{arena}** arena ({modality}): anonymous battles
between two models, each with the full conversation on both sides and the vote.

- Battles: {counts['battles']} from {counts['annotators']} annotators, {start or '–'} to {end or '–'}
  (only battles before the cutoff {meta['cutoff']}, released after a delay of {meta['delay_days']} days).
- Files: `{DATA_BASENAME}.parquet` and `{DATA_BASENAME}.jsonl` (the same rows),
  {fastchat_note}`{LEADERBOARD}`, `{MANIFEST}`.

## What is in it, and what is not

- Only votes from annotators who agreed to release, that were not invalidated by moderation,
  from annotators who are not banned and have not deleted their data, in anonymous battles.
- Annotators appear as keyed-hash pseudonyms (`judge`), {meta['pseudonyms_note']}
- Emails, phone numbers, IP addresses, card numbers, street addresses, identifiers and
  self-introduced names are replaced by markers such as `[REDACTED_EMAIL]` in prompts, answers,
  rationales and traces. Detection is pattern-based and will miss some personal data.
- Demographic fields are present only for combinations shared by at least {meta['k_anonymity']}
  annotators in this release; otherwise they are null.
- Prompts repeated more than {meta['max_per_prompt']} times are down-sampled to that many battles.
- Contenders the arena keeps private appear as `private-model-N` (stable within this arena).

## Reproduce the leaderboard

`{LEADERBOARD}` was computed by Arena's ranking engine from exactly these rows
(method `{meta['leaderboard_method']}`). Recompute it with

    python -m leaderboard.ranking {DATA_BASENAME}.jsonl --json --device cpu

or check the whole release (checksums, schema, privacy scan, leaderboard) with

    python -m releases.verify .

## Battles per model

| model | battles |
|---|---|
{per_model}
"""
    return "\n".join(front) + "\n" + body
