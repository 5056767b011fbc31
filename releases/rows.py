"""One battle's release row: pseudonyms, keyed ids, redaction, language, style, categories.

`battle_row` is made once per battle and stored as a fragment (`releases.fragments`); a build
splices the fragments with the columns it decides (`releases.assembly`). Everything here is a
function of the battle and the secret, never of the clock or the release, so the same battle
gives the same row in every release. Identifiers are keyed per *arena*, not per release:
releases are cumulative, so a row reappears in every later release, and any per-release
pseudonym could be re-linked by joining on the row's content. The card says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from leaderboard.categories import battle_categories
from leaderboard.ranking.text_style import style_counts
from releases.language import conversation_language
from releases.media import MediaInfo, MediaSink, media_info, media_release_path
from releases.pseudonyms import opaque_id, pseudonym
from releases.reading import Answer, BattleContent, Media
from releases.redaction import redact_json, redact_text
from releases.schema import STYLE_KEYS, WINNERS


def iso_ms(when: datetime) -> str:
    """ISO 8601 in UTC to the millisecond: sub-second order of events without the microsecond
    noise of the database clock."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Naming:
    """Keyed, arena-scoped names: the same battle, person and file get the same id in every
    release of the arena, and nothing outside the secret's holder can reverse them."""

    secret: str
    scope: str  # "arena:<id>"

    def question_id(self, battle_id: object) -> str:
        return opaque_id(secret=self.secret, scope=self.scope, kind="battle", value=battle_id)

    def judge(self, annotator_id: object) -> str:
        return pseudonym(secret=self.secret, scope=self.scope, annotator_id=annotator_id)

    def media(self, asset_id: object) -> str:
        return opaque_id(secret=self.secret, scope=self.scope, kind="media", value=asset_id)


def prompt_key(prompt: str) -> bytes:
    """Digest of the prompt with case, punctuation and spacing normalized away (16 bytes: a
    million distinct prompts cost tens of megabytes, not hundreds)."""
    normalized = re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", prompt.lower())).strip()
    return hashlib.blake2b(normalized.encode(), digest_size=16).digest()


def _aspects_json(aspects: dict[str, str]) -> str | None:
    return json.dumps(aspects, sort_keys=True) if aspects else None


def _style(answer: Answer | None) -> dict[str, int] | None:
    """The counts the site ranks on: stored when the answer finished, else counted the same way
    (leaderboard/services/vote_table.py does the same in SQL)."""
    if answer is None:
        return None
    counts = answer.style_counts or style_counts(answer.text)
    return {key: int(counts.get(key) or 0) for key in STYLE_KEYS}


def _media_info(asset: Media | None) -> MediaInfo | None:
    if asset is None:
        return None
    return media_info(width=asset.width, height=asset.height, duration_ms=asset.duration_ms)


def _search_columns(battle: BattleContent) -> dict[str, list[str]]:
    """Per turn, each side's masked trace and its citations, as JSON."""
    columns: dict[str, list[str]] = {"citations_a": [], "citations_b": [], "trace_a": [],
                                     "trace_b": []}
    for turn in battle.turns:
        for side in ("a", "b"):
            answer = turn.answers.get(side)
            trace = redact_json((answer.trace if answer else None) or {})
            citations = trace.get("citations", trace.get("sources", [])) if isinstance(trace, dict) else []
            columns[f"trace_{side}"].append(json.dumps(trace, sort_keys=True, ensure_ascii=False))
            columns[f"citations_{side}"].append(json.dumps(citations, sort_keys=True,
                                                           ensure_ascii=False))
    return columns


def _media_columns(battle: BattleContent, naming: Naming,
                   media: MediaSink) -> dict[str, Any]:
    """Per turn, each side's released file (copied through `media`) and its measurements, the
    router's masked request, and the vote's masked feedback."""
    columns: dict[str, Any] = {"media_a": [], "media_b": [], "media_info_a": [],
                               "media_info_b": [], "request": []}
    for turn in battle.turns:
        columns["request"].append(json.dumps(redact_json(turn.request or {}), sort_keys=True,
                                             ensure_ascii=False))
        for side in ("a", "b"):
            answer = turn.answers.get(side)
            asset = answer.media if answer else None
            columns[f"media_info_{side}"].append(_media_info(asset))
            if asset is not None:
                name = media_release_path(naming.media(asset.id), asset.file)
                media(name, asset.file)
                columns[f"media_{side}"].append(name)
    columns["feedback"] = redact_text(battle.feedback) if battle.feedback is not None else None
    return columns


def _listening(battle: BattleContent) -> str | None:
    events = battle.listening
    if not events:
        return None
    origin = events[0].client_ms
    return json.dumps([{"side": e.side, "kind": e.kind, "position_ms": e.position_ms,
                        "t_ms": round(e.client_ms - origin)} for e in events])


def battle_row(battle: BattleContent, kind: str, naming: Naming,
               media: MediaSink) -> dict[str, Any]:
    """The battle's row but for the columns a release decides (releases.fragments.RELEASE_TIME:
    demographics and moderation tags are absent; names are as read now). Files the row names
    are passed to `media` as (release path, storage name)."""
    conversation: dict[str, list[dict[str, str]]] = {"a": [], "b": []}
    extra: dict[str, list[Any]] = defaultdict(list)
    turns = battle.turns
    for turn in turns:
        prompt = redact_text(turn.prompt)
        extra["prompt_times"].append(iso_ms(turn.created_at))
        for side in ("a", "b"):
            answer = turn.answers.get(side)
            extra[f"ttft_ms_{side}"].append(answer.ttft_ms if answer else None)
            extra[f"duration_ms_{side}"].append(answer.duration_ms if answer else None)
            extra[f"style_{side}"].append(_style(answer))
            conversation[side].append({"role": "user", "content": prompt})
            conversation[side].append({"role": "assistant",
                                       "content": redact_text(answer.text if answer else "")})
    row: dict[str, Any] = {
        "question_id": naming.question_id(battle.id),
        "arena": battle.arena,
        "model_a": battle.model_a,
        "model_b": battle.model_b,
        "model_a_name": battle.model_a_name,
        "model_b_name": battle.model_b_name,
        "winner": WINNERS[battle.choice],
        "judge": naming.judge(battle.annotator_id),
        "turn": len(turns),
        "anony": True,
        "language": conversation_language([turn.prompt for turn in turns]),
        "tstamp": int(battle.voted_at.timestamp()),
        "conversation_a": conversation["a"],
        "conversation_b": conversation["b"],
        "rationale": redact_text(battle.rationale) if battle.rationale else None,
        "aspects": _aspects_json(battle.aspects),
        "vote_time": iso_ms(battle.voted_at),
        **{key: extra[key] for key in ("prompt_times", "ttft_ms_a", "ttft_ms_b", "duration_ms_a",
                                       "duration_ms_b", "style_a", "style_b")},
        "categories": battle_categories(first_prompt=turns[0].prompt if turns else "",
                                        prompt_chars=len(turns[0].prompt) if turns else 0,
                                        turns=len(turns)),
    }
    if kind == "search":
        row.update(_search_columns(battle))
    if kind in ("media", "media_exposure"):
        row.update(_media_columns(battle, naming, media))
    if kind == "media_exposure":
        row["listening"] = _listening(battle)
    return row
