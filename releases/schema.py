"""The columns of a release, one schema per release kind, shared by the builder and the
verifier. A modality names its kind (`ModalitySpec.release_kind`); the verifier reads it from the
manifest, so it needs nothing but this module.

Every kind starts from the text columns, so code written for the text release reads the
others. Nested values whose shape is the engine's or the provider's (search traces, listening
events) are stored as JSON strings: one schema in Parquet and JSONL alike, and a trace that gains
a key does not break a release's schema.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

# 2: model display names, arena-stable ids, streamed files; 3: per-turn times, style counts,
# categories, moderation tags, media measurements and the router's request; 4: study releases
# carry the judges' k-anonymous demographics and their answers' media files.
FORMAT_VERSION = 4
DATA_BASENAME = "battles"
FASTCHAT_PATH = "fastchat/clean_battle.json"
MANIFEST = "manifest.json"
CARD = "README.md"
LEADERBOARD = "leaderboard.json"
# How a reader gets the engine and the verifier without running the site: the checkout's
# pyproject installs `leaderboard.ranking` and `releases.verify`, which need no Django settings.
INSTALL = "pip install ./arena   # a checkout of Arena's source"

# FastChat's spellings; leaderboard.ranking reads them as is.
WINNERS = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
# One answer's style counts (leaderboard.ranking.text_style): what style control regresses on.
STYLE_KEYS = ("length", "headers", "lists", "bold", "citations")
STYLE = pa.struct([(key, pa.int64()) for key in STYLE_KEYS])
# One output file's measurements (null where the kind has none: an image has no duration).
MEDIA_INFO = pa.struct([("width", pa.int64()), ("height", pa.int64()), ("duration_ms", pa.int64())])

TEXT_FIELDS: list[pa.Field] = [
    pa.field("question_id", pa.string(), nullable=False),
    pa.field("arena", pa.string(), nullable=False),
    pa.field("model_a", pa.string(), nullable=False),
    pa.field("model_b", pa.string(), nullable=False),
    pa.field("model_a_name", pa.string(), nullable=False),
    pa.field("model_b_name", pa.string(), nullable=False),
    pa.field("winner", pa.string(), nullable=False),
    pa.field("judge", pa.string(), nullable=False),
    pa.field("turn", pa.int64(), nullable=False),
    pa.field("anony", pa.bool_(), nullable=False),
    pa.field("language", pa.string()),
    pa.field("tstamp", pa.int64(), nullable=False),
    pa.field("conversation_a", pa.list_(MESSAGE), nullable=False),
    pa.field("conversation_b", pa.list_(MESSAGE), nullable=False),
    pa.field("rationale", pa.string()),
    pa.field("aspects", pa.string()),  # JSON object: aspect -> a / b / tie, or null
    pa.field("judge_age_band", pa.string()),
    pa.field("judge_country", pa.string()),
    pa.field("judge_languages", pa.list_(pa.string())),
    # Times: ISO 8601 UTC with milliseconds; `tstamp` stays whole seconds for FastChat.
    pa.field("vote_time", pa.string(), nullable=False),
    pa.field("prompt_times", pa.list_(pa.string()), nullable=False),
    pa.field("ttft_ms_a", pa.list_(pa.int64()), nullable=False),
    pa.field("ttft_ms_b", pa.list_(pa.int64()), nullable=False),
    pa.field("duration_ms_a", pa.list_(pa.int64()), nullable=False),
    pa.field("duration_ms_b", pa.list_(pa.int64()), nullable=False),
    pa.field("style_a", pa.list_(STYLE), nullable=False),
    pa.field("style_b", pa.list_(STYLE), nullable=False),
    pa.field("categories", pa.list_(pa.string()), nullable=False),
    pa.field("moderation_tags", pa.list_(pa.string()), nullable=False),
]

SEARCH_FIELDS = [
    pa.field("citations_a", pa.list_(pa.string()), nullable=False),
    pa.field("citations_b", pa.list_(pa.string()), nullable=False),
    pa.field("trace_a", pa.list_(pa.string()), nullable=False),
    pa.field("trace_b", pa.list_(pa.string()), nullable=False),
]

MEDIA_FIELDS = [
    pa.field("media_a", pa.list_(pa.string()), nullable=False),
    pa.field("media_b", pa.list_(pa.string()), nullable=False),
    pa.field("feedback", pa.string()),
    pa.field("media_info_a", pa.list_(MEDIA_INFO), nullable=False),
    pa.field("media_info_b", pa.list_(MEDIA_INFO), nullable=False),
    pa.field("request", pa.list_(pa.string()), nullable=False),
]

# What the page measured before the vote opened (play / view events), as JSON.
EXPOSURE_FIELDS = [pa.field("listening", pa.string())]

# A curated study's K-way judgements (studies/): one row per judgement, not per battle, so it
# does not start from the text columns; its models are the lists `models` / `model_names`.
STUDY_FIELDS = [
    pa.field("judgement_id", pa.string(), nullable=False),
    pa.field("item_id", pa.string(), nullable=False),
    pa.field("arena", pa.string(), nullable=False),
    pa.field("study", pa.string(), nullable=False),
    pa.field("k", pa.int64(), nullable=False),
    pa.field("vote_format", pa.string(), nullable=False),
    pa.field("prewritten_prompt", pa.bool_(), nullable=False),
    pa.field("prompt", pa.string(), nullable=False),
    pa.field("models", pa.list_(pa.string()), nullable=False),
    pa.field("model_names", pa.list_(pa.string()), nullable=False),
    pa.field("answers", pa.list_(pa.string()), nullable=False),
    pa.field("ranking", pa.list_(pa.string()), nullable=False),
    pa.field("best", pa.string(), nullable=False),
    pa.field("aspects", pa.string()),
    pa.field("explanation", pa.string()),
    pa.field("judge", pa.string(), nullable=False),
    pa.field("judge_age_band", pa.string()),
    pa.field("judge_country", pa.string()),
    pa.field("judge_languages", pa.list_(pa.string())),
    pa.field("tstamp", pa.int64(), nullable=False),
]
# A study of an image, music or 3D arena: the K answers' files, in the order shown.
STUDY_MEDIA_FIELDS = [
    pa.field("media", pa.list_(pa.string()), nullable=False),
    pa.field("media_info", pa.list_(MEDIA_INFO), nullable=False),
]

SCHEMAS: dict[str, pa.Schema] = {
    "text": pa.schema(TEXT_FIELDS),
    "search": pa.schema(TEXT_FIELDS + SEARCH_FIELDS),
    "media": pa.schema(TEXT_FIELDS + MEDIA_FIELDS),
    "media_exposure": pa.schema(TEXT_FIELDS + MEDIA_FIELDS + EXPOSURE_FIELDS),
    "study": pa.schema(STUDY_FIELDS),
    "study_media": pa.schema(STUDY_FIELDS + STUDY_MEDIA_FIELDS),
}
# Kinds whose rows are not pairwise battles: no leaderboard.json to recompute with the
# pairwise engine, and the row count is under counts.<ROW_COUNT_KEY> in the manifest.
WITHOUT_LEADERBOARD = frozenset({"study", "study_media"})
ROW_COUNT_KEY = {"study": "judgements", "study_media": "judgements"}
# Manifests written before release kinds named their modality instead.
LEGACY_KINDS = {"image": "media", "music": "media_exposure"}

FASTCHAT_FIELDS = (
    "question_id", "model_a", "model_b", "winner", "judge", "conversation_a", "conversation_b",
    "turn", "anony", "language", "tstamp",
)


# What each column means, for the dataset card; a column without an entry fails the card test.
COLUMN_DOCS: dict[str, str] = {
    "question_id": "keyed hash of the battle; the same in every release of this arena",
    "arena": "the arena's slug",
    "model_a": "left model's registered slug",
    "model_b": "right model's registered slug",
    "model_a_name": "left model's display name, exactly as registered",
    "model_b_name": "right model's display name, exactly as registered",
    "winner": "model_a, model_b, tie or tie (bothbad)",
    "judge": "annotator pseudonym (judge- and 20 hex), stable across this arena's releases",
    "turn": "number of turns in the conversation",
    "anony": "always true: models were hidden until the vote",
    "language": "ISO 639-1 language of the user's prompts (py3langid, probability at least 0.7); "
                "null when unsure, for code or maths",
    "tstamp": "vote time, Unix seconds (UTC)",
    "conversation_a": "left side: alternating user/assistant messages, personal data masked",
    "conversation_b": "right side: alternating user/assistant messages, personal data masked",
    "rationale": "the annotator's stated reason, masked; null when none",
    "aspects": "JSON object of per-aspect votes (aspect to a, b or tie; in a study, aspect to "
               "the model slug judged best); null when none",
    "judge_age_band": "stated age band, only when shared by at least k annotators; else null",
    "judge_country": "stated country, only when shared by at least k annotators; else null",
    "judge_languages": "stated languages, only when shared by at least k annotators; else null",
    "vote_time": "vote time, ISO 8601 UTC with milliseconds (tstamp truncated to the second)",
    "prompt_times": "per turn, when the prompt was sent: ISO 8601 UTC with milliseconds",
    "ttft_ms_a": "per turn, the left answer's time to first token in ms; null when not measured",
    "ttft_ms_b": "per turn, the right answer's time to first token in ms; null when not measured",
    "duration_ms_a": "per turn, the left answer's generation time in ms; null when not measured",
    "duration_ms_b": "per turn, the right answer's generation time in ms; null when not measured",
    "style_a": "per turn, the left answer's counts {length (words), headers, lists, bold, citations}; "
               "sum over turns for the site's style-controlled leaderboard",
    "style_b": "per turn, the right answer's counts {length (words), headers, lists, bold, citations}",
    "categories": "built-in leaderboard categories: english or non_english, multi_turn, long_prompts",
    "moderation_tags": "reason codes of moderation flags on the battle not dismissed (no text), sorted",
    "media_info_a": "per turn, the left file's {width, height} in pixels or {duration_ms}; null if unknown",
    "media_info_b": "per turn, the right file's {width, height} in pixels or {duration_ms}; null if unknown",
    "request": "per turn, JSON of what the modality's router read from the prompt (music: vocals, "
               "duration, ...), masked; {} when none",
    "citations_a": "per turn, JSON list of the left answer's citations",
    "citations_b": "per turn, JSON list of the right answer's citations",
    "trace_a": "per turn, JSON of the left system's search trace (queries, sources), masked",
    "trace_b": "per turn, JSON of the right system's search trace (queries, sources), masked",
    "media_a": "per turn, release path of the left output file under media/",
    "media_b": "per turn, release path of the right output file under media/",
    "feedback": "free-text feedback given with the vote, masked; null when none",
    "listening": "JSON list of play/pause/seek/tick events {side, kind, position_ms, t_ms}",
    "judgement_id": "keyed hash of the judgement; the same in every release of this arena",
    "item_id": "keyed hash of the study item (prompt); rows of one item share it",
    "study": "the study's slug",
    "k": "answers shown per item (2-4)",
    "vote_format": "best (best of K) or rank (full ranking)",
    "prewritten_prompt": "true: the prompt was written in advance by the researcher, not by the annotator",
    "prompt": "the item's prompt, personal data masked",
    "models": "the K answers' model slugs, in the order the annotator saw them",
    "model_names": "the K models' display names, exactly as registered, same order",
    "answers": "the K answers' text, same order, personal data masked (empty for media answers)",
    "ranking": "model slugs best first: all K for a full ranking, one for best of K",
    "best": "the model slug judged best",
    "explanation": "the annotator's explanation, masked; null when none",
    "media": "the K answers' files under media/, same order as models",
    "media_info": "the K files' {width, height} in pixels or {duration_ms}, read from the file; "
                  "null if unknown",
}


def schema_for(kind: str) -> pa.Schema:
    try:
        return SCHEMAS[LEGACY_KINDS.get(kind, kind)]
    except KeyError:
        raise ValueError(f"no release schema for kind {kind!r}") from None


def manifest_kind(manifest: dict[str, Any]) -> str:
    return str(manifest.get("release_kind") or manifest.get("modality", ""))


def row_models(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(slug, display name) of every model in a row, whatever the kind's shape."""
    if "models" in row:
        return list(zip(map(str, row.get("models") or []), map(str, row.get("model_names") or []),
                        strict=False))
    return [(str(row.get(f"model_{side}")), str(row.get(f"model_{side}_name"))) for side in "ab"]


def fastchat_row(row: dict[str, Any]) -> dict[str, Any]:
    """FastChat's clean-battle record for one release row (language "unknown" when not known)."""
    out = {name: row[name] for name in FASTCHAT_FIELDS}
    out["language"] = row["language"] or "unknown"
    return out
