"""Turning releasable battles into release rows: placeholders, pseudonyms, redaction, caps.

Everything here is a function of the battles, the policy and the secret, never of the clock,
so building the same release twice gives the same rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from battles.models import Battle, Contender, Generation, Turn
from releases.demographics import Demographics, k_anonymize
from releases.pseudonyms import opaque_id, pseudonym
from releases.redaction import redact_json, redact_text
from releases.schema import WINNERS
from releases.sources import demographics_of

MEDIA_EXTENSIONS = {
    "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "audio/mpeg": "mp3",
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/ogg": "ogg", "audio/flac": "flac",
}


@dataclass
class ReleaseContent:
    rows: list[dict[str, Any]]
    media: dict[str, str] = field(default_factory=dict)  # release path → storage name
    per_model: dict[str, int] = field(default_factory=dict)
    annotators: int = 0
    date_start: datetime | None = None
    date_end: datetime | None = None
    down_sampled: int = 0


@dataclass(frozen=True)
class Naming:
    """How this release names things: salts for ids and pseudonyms, placeholders for models."""

    secret: str
    id_scope: str
    pseudonym_scope: str
    aliases: dict[int, str]

    def model(self, contender: Contender) -> str:
        return self.aliases.get(contender.id, contender.slug)


def prompt_key(prompt: str) -> str:
    """Hash of the prompt with case, punctuation and spacing normalized away."""
    normalized = re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", prompt.lower())).strip()
    return hashlib.sha256(normalized.encode()).hexdigest()


def _with_content(battles: QuerySet[Battle]) -> QuerySet[Battle]:
    generations = Generation.objects.select_related("media").order_by("side")
    turns = Turn.objects.order_by("index").prefetch_related(
        Prefetch("generations", queryset=generations)
    )
    return battles.select_related(
        "contender_a", "contender_b", "vote", "vote__annotator", "vote__feedback"
    ).prefetch_related(Prefetch("turns", queryset=turns), "listen_events", "vote__aspects")


def _cap(battles: list[Battle], *, cap: int, naming: Naming) -> tuple[list[Battle], int]:
    """At most `cap` battles per normalized first prompt, chosen by a keyed hash (not by time,
    so a flood of one prompt early on does not crowd out later answers)."""
    if cap <= 0:
        return battles, 0
    groups: dict[str, list[Battle]] = defaultdict(list)
    for battle in battles:
        turns = list(battle.turns.all())
        groups[prompt_key(turns[0].prompt if turns else "")].append(battle)
    kept: list[Battle] = []
    for group in groups.values():
        group.sort(key=lambda b: opaque_id(secret=naming.secret, scope=naming.id_scope,
                                           kind="sample", value=b.id))
        kept.extend(group[:cap])
    return kept, len(battles) - len(kept)


def _side(generation: Generation | None) -> dict[str, Any]:
    if generation is None:
        return {"text": "", "trace": {}, "media": None}
    return {"text": generation.text, "trace": generation.trace or {},
            "media": getattr(generation, "media", None)}


def _media_name(asset: Any, naming: Naming) -> str:
    ext = MEDIA_EXTENSIONS.get(asset.content_type, "bin")
    name = opaque_id(secret=naming.secret, scope=naming.id_scope, kind="media", value=asset.id)
    return f"media/{name}.{ext}"


def _aspects_json(vote: Any) -> str | None:
    chosen = {a.aspect: a.choice for a in vote.aspects.all()}
    return json.dumps(chosen, sort_keys=True) if chosen else None


def _row(battle: Battle, kind: str, naming: Naming, content: ReleaseContent) -> dict[str, Any]:
    vote = battle.vote
    conversation: dict[str, list[dict[str, str]]] = {"a": [], "b": []}
    extra: dict[str, list[str]] = defaultdict(list)
    turns = list(battle.turns.all())
    for turn in turns:
        by_side = {g.side: g for g in turn.generations.all()}
        prompt = redact_text(turn.prompt)
        for side in ("a", "b"):
            answer = _side(by_side.get(side))
            conversation[side].append({"role": "user", "content": prompt})
            conversation[side].append({"role": "assistant", "content": redact_text(answer["text"])})
            trace = redact_json(answer["trace"])
            citations = trace.get("citations", trace.get("sources", [])) if isinstance(trace, dict) else []
            extra[f"trace_{side}"].append(json.dumps(trace, sort_keys=True, ensure_ascii=False))
            extra[f"citations_{side}"].append(json.dumps(citations, sort_keys=True, ensure_ascii=False))
            if answer["media"] is not None:
                name = _media_name(answer["media"], naming)
                content.media[name] = answer["media"].file.name
                extra[f"media_{side}"].append(name)
    row: dict[str, Any] = {
        "question_id": opaque_id(secret=naming.secret, scope=naming.id_scope, kind="battle",
                                 value=battle.id),
        "arena": battle.arena.slug,
        "model_a": naming.model(battle.contender_a),
        "model_b": naming.model(battle.contender_b),
        "winner": WINNERS[vote.choice],
        "judge": pseudonym(secret=naming.secret, scope=naming.pseudonym_scope,
                           annotator_id=vote.annotator_id),
        "turn": len(turns),
        "anony": True,
        "language": None,
        "tstamp": int(vote.created_at.timestamp()),
        "conversation_a": conversation["a"],
        "conversation_b": conversation["b"],
        "rationale": redact_text(vote.rationale) if vote.rationale else None,
        "aspects": _aspects_json(vote),
    }
    if kind == "search":
        for key in ("citations_a", "citations_b", "trace_a", "trace_b"):
            row[key] = extra[key]
    if kind in ("media", "media_exposure"):
        row["media_a"], row["media_b"] = extra["media_a"], extra["media_b"]
        feedback = getattr(vote, "feedback", None)
        row["feedback"] = redact_text(feedback.text) if feedback is not None else None
    if kind == "media_exposure":
        events = list(battle.listen_events.all())
        origin = events[0].client_ms if events else 0.0
        row["listening"] = json.dumps(
            [{"side": e.side, "kind": e.kind, "position_ms": e.position_ms,
              "t_ms": round(e.client_ms - origin)} for e in events]
        ) if events else None
    return row


def release_content(*, battles: QuerySet[Battle], kind: str, naming: Naming,
                    max_per_prompt: int, k_anonymity: int) -> ReleaseContent:
    chosen, dropped = _cap(list(_with_content(battles).order_by("id")), cap=max_per_prompt,
                           naming=naming)
    content = ReleaseContent(rows=[], down_sampled=dropped)
    people: dict[str, Demographics] = {}
    for battle in chosen:
        row = _row(battle, kind, naming, content)
        people[row["judge"]] = demographics_of(battle.vote.annotator)
        content.rows.append(row)
    released = k_anonymize(people, k=k_anonymity)
    for row in content.rows:
        d = released[row["judge"]]
        row["judge_age_band"], row["judge_country"] = d.age_band, d.country
        row["judge_languages"] = list(d.languages) if d.languages is not None else None
    content.rows.sort(key=lambda r: (r["tstamp"], r["question_id"]))
    per_model: Counter[str] = Counter()
    for row in content.rows:
        per_model[row["model_a"]] += 1
        per_model[row["model_b"]] += 1
    content.per_model = dict(sorted(per_model.items()))
    content.annotators = len(people)
    if content.rows:
        content.date_start = datetime.fromtimestamp(content.rows[0]["tstamp"], tz=UTC)
        content.date_end = datetime.fromtimestamp(content.rows[-1]["tstamp"], tz=UTC)
    return content
