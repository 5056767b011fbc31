"""Turning releasable battles into release rows, streamed: pseudonyms, redaction, the cap.

Rows come from one server-side cursor in batches (every relation loaded per batch, so the cost
is a handful of queries per batch, never one per row) and go straight to the writer; memory
holds one batch plus a few bytes per distinct prompt and model, whatever the release's size.

Everything here is a function of the battles, the policy and the secret, never of the clock,
so building the same release twice gives the same rows. Identifiers are keyed per *arena*, not
per release: releases are cumulative, so a row reappears in every later release, and any
per-release pseudonym could be re-linked by joining on the row's content. The card says so.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from annotators.models import Annotator
from battles.models import Battle, Generation, Turn
from leaderboard.categories import battle_categories
from leaderboard.ranking.text_style import style_counts
from releases.demographics import Demographics, k_anonymize
from releases.language import conversation_language
from releases.media import MediaInfo, MediaSink, media_discard, media_info, media_release_path
from releases.pseudonyms import opaque_id, pseudonym
from releases.redaction import redact_json, redact_text
from releases.schema import STYLE_KEYS, WINNERS
from releases.sources import demographics_of

BATCH = 1000


def iso_ms(when: datetime) -> str:
    """ISO 8601 in UTC to the millisecond: sub-second order of events without the microsecond
    noise of the database clock."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ReleaseStats:
    """What the manifest says about the rows, accumulated as they stream past."""

    battles: int = 0
    per_model: Counter[str] = field(default_factory=Counter)
    models: dict[str, str] = field(default_factory=dict)  # slug → display name, as registered
    judges: set[str] = field(default_factory=set)
    down_sampled: int = 0
    date_start: datetime | None = None
    date_end: datetime | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.battles += 1
        for side in ("a", "b"):
            self.per_model[row[f"model_{side}"]] += 1
            self.models[row[f"model_{side}"]] = row[f"model_{side}_name"]
        self.judges.add(row["judge"])
        when = datetime.fromtimestamp(row["tstamp"], tz=UTC).replace(microsecond=0)
        self.date_start = self.date_start or when
        self.date_end = when


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


def _with_content(battles: QuerySet[Battle]) -> QuerySet[Battle]:
    generations = Generation.objects.select_related("media").order_by("side")
    turns = Turn.objects.order_by("index").prefetch_related(
        Prefetch("generations", queryset=generations)
    )
    return battles.select_related(
        "arena", "contender_a", "contender_b", "vote", "vote__feedback"
    ).prefetch_related(Prefetch("turns", queryset=turns), "listen_events", "vote__aspects")


def people_demographics(people: QuerySet[Annotator], naming: Naming, k: int) -> dict[str, Demographics]:
    """k-anonymous demographics per pseudonym, from one pass over the release's annotators
    (people, not rows: small even for a large release). `people` must be exactly those in the
    release: a combination counts towards k only through people whose rows are released."""
    stated = {naming.judge(p.id): demographics_of(p) for p in people.iterator(chunk_size=BATCH)}
    return k_anonymize(stated, k=k)


def judges_demographics(battles: QuerySet[Battle], naming: Naming, k: int) -> dict[str, Demographics]:
    return people_demographics(Annotator.objects.filter(votes__battle__in=battles).distinct(),
                               naming, k)


def judge_columns(demographics: Mapping[str, Demographics], judge: str) -> dict[str, Any]:
    """A row's judge_* columns: the judge's k-anonymous demographics, all null when suppressed,
    not opted in or not stated."""
    d = demographics.get(judge, Demographics())
    return {"judge_age_band": d.age_band, "judge_country": d.country,
            "judge_languages": list(d.languages) if d.languages is not None else None}


def _aspects_json(vote: Any) -> str | None:
    chosen = {a.aspect: a.choice for a in vote.aspects.all()}
    return json.dumps(chosen, sort_keys=True) if chosen else None


def _style(generation: Generation | None) -> dict[str, int] | None:
    """The counts the site ranks on: stored when the answer finished, else counted the same way
    (leaderboard/services/vote_table.py does the same in SQL)."""
    if generation is None:
        return None
    counts = generation.style_counts or style_counts(generation.text)
    return {key: int(counts.get(key) or 0) for key in STYLE_KEYS}


def _media_info(asset: Any) -> MediaInfo | None:
    if asset is None:
        return None
    return media_info(width=asset.width, height=asset.height, duration_ms=asset.duration_ms)


def _row(battle: Battle, kind: str, naming: Naming, media: MediaSink,
         moderation_tags: list[str]) -> dict[str, Any]:
    vote = battle.vote
    conversation: dict[str, list[dict[str, str]]] = {"a": [], "b": []}
    extra: dict[str, list[Any]] = defaultdict(list)
    turns = list(battle.turns.all())
    for turn in turns:
        by_side = {g.side: g for g in turn.generations.all()}
        prompt = redact_text(turn.prompt)
        extra["prompt_times"].append(iso_ms(turn.created_at))
        extra["request"].append(json.dumps(redact_json(turn.request or {}), sort_keys=True,
                                           ensure_ascii=False))
        for side in ("a", "b"):
            generation = by_side.get(side)
            extra[f"ttft_ms_{side}"].append(generation.time_to_first_token_ms if generation else None)
            extra[f"duration_ms_{side}"].append(generation.duration_ms if generation else None)
            extra[f"style_{side}"].append(_style(generation))
            conversation[side].append({"role": "user", "content": prompt})
            conversation[side].append({"role": "assistant",
                                       "content": redact_text(generation.text if generation else "")})
            trace = redact_json((generation.trace if generation else None) or {})
            citations = trace.get("citations", trace.get("sources", [])) if isinstance(trace, dict) else []
            extra[f"trace_{side}"].append(json.dumps(trace, sort_keys=True, ensure_ascii=False))
            extra[f"citations_{side}"].append(json.dumps(citations, sort_keys=True, ensure_ascii=False))
            asset = getattr(generation, "media", None) if generation else None
            extra[f"media_info_{side}"].append(_media_info(asset))
            if asset is not None:
                name = media_release_path(naming.media(asset.id), asset.file.name)
                media(name, asset.file.name)
                extra[f"media_{side}"].append(name)
    row: dict[str, Any] = {
        "question_id": naming.question_id(battle.id),
        "arena": battle.arena.slug,
        "model_a": battle.contender_a.slug,
        "model_b": battle.contender_b.slug,
        "model_a_name": battle.contender_a.name,
        "model_b_name": battle.contender_b.name,
        "winner": WINNERS[vote.choice],
        "judge": naming.judge(vote.annotator_id),
        "turn": len(turns),
        "anony": True,
        "language": conversation_language([turn.prompt for turn in turns]),
        "tstamp": int(vote.created_at.timestamp()),
        "conversation_a": conversation["a"],
        "conversation_b": conversation["b"],
        "rationale": redact_text(vote.rationale) if vote.rationale else None,
        "aspects": _aspects_json(vote),
        "vote_time": iso_ms(vote.created_at),
        **{key: extra[key] for key in ("prompt_times", "ttft_ms_a", "ttft_ms_b", "duration_ms_a",
                                       "duration_ms_b", "style_a", "style_b")},
        "categories": battle_categories(first_prompt=turns[0].prompt if turns else "",
                                        prompt_chars=len(turns[0].prompt) if turns else 0,
                                        turns=len(turns)),
        "moderation_tags": moderation_tags,
    }
    if kind == "search":
        for key in ("citations_a", "citations_b", "trace_a", "trace_b"):
            row[key] = extra[key]
    if kind in ("media", "media_exposure"):
        row["media_a"], row["media_b"] = extra["media_a"], extra["media_b"]
        feedback = getattr(vote, "feedback", None)
        row["feedback"] = redact_text(feedback.text) if feedback is not None else None
        for key in ("media_info_a", "media_info_b", "request"):
            row[key] = extra[key]
    if kind == "media_exposure":
        events = list(battle.listen_events.all())
        origin = events[0].client_ms if events else 0.0
        row["listening"] = json.dumps(
            [{"side": e.side, "kind": e.kind, "position_ms": e.position_ms,
              "t_ms": round(e.client_ms - origin)} for e in events]
        ) if events else None
    return row


def release_rows(*, battles: QuerySet[Battle], kind: str, naming: Naming, max_per_prompt: int,
                 demographics: dict[str, Demographics], stats: ReleaseStats,
                 media: MediaSink,
                 moderation_tags: Mapping[Any, list[str]] | None = None) -> Iterator[dict[str, Any]]:
    """The release's rows in (tstamp, question_id) order, one at a time.

    The per-prompt cap keeps the first `max_per_prompt` battles of a prompt in vote order, a
    key that does not move: a battle kept in one release is kept in every later one (a keyed
    random choice would let a newer battle displace it, and cumulative releases would then
    disagree about rows both contain).
    """
    seen: Counter[bytes] = Counter()
    pending: list[dict[str, Any]] = []  # rows of the current whole second, sorted on flush
    ordered = _with_content(battles).order_by("vote__created_at", "id")
    for battle in ordered.iterator(chunk_size=BATCH):
        if max_per_prompt > 0:
            turns = list(battle.turns.all())
            key = prompt_key(turns[0].prompt if turns else "")
            seen[key] += 1
            if seen[key] > max_per_prompt:
                stats.down_sampled += 1
                continue
        row = _row(battle, kind, naming, media, list((moderation_tags or {}).get(battle.id, [])))
        row.update(judge_columns(demographics, row["judge"]))
        if pending and pending[0]["tstamp"] != row["tstamp"]:
            yield from _flush(pending, stats)
        pending.append(row)
    yield from _flush(pending, stats)


def _flush(pending: list[dict[str, Any]], stats: ReleaseStats) -> Iterator[dict[str, Any]]:
    pending.sort(key=lambda r: r["question_id"])
    for row in pending:
        stats.add(row)
        yield row
    pending.clear()


def release_content(*, battles: QuerySet[Battle], kind: str, naming: Naming,
                    max_per_prompt: int, k_anonymity: int) -> list[dict[str, Any]]:
    """All rows at once, for tests and small exports; the builder streams `release_rows`."""
    return list(release_rows(
        battles=battles, kind=kind, naming=naming, max_per_prompt=max_per_prompt,
        demographics=judges_demographics(battles, naming, k_anonymity), stats=ReleaseStats(),
        media=media_discard,
    ))
