"""Reading releasable battles with everything a release row needs, as plain values.

A release of a million battles spent more time making Django model instances (battle, vote,
contenders, turns, generations, media) and cloning the prefetch querysets of each batch than
redacting and writing them. Here one server-side cursor walks the battles in release order with
their vote and contenders joined, and each batch of `BATCH` battles reads its turns,
generations (with media), aspects, feedback and listening events in one `values_list` query
each: a handful of queries per batch, tuples instead of instances. Columns a kind does not
release (a text release has no traces or media) are not read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from battles.models import Battle, Generation, ListenEvent, Turn, VoteAspect, VoteFeedback

BATCH = 1000

_HEAD = ("id", "arena__slug", "contender_a__slug", "contender_b__slug", "contender_a__name",
         "contender_b__name", "vote__id", "vote__choice", "vote__annotator_id",
         "vote__created_at", "vote__rationale")
_ANSWER = ("turn_id", "side", "text", "time_to_first_token_ms", "duration_ms", "style_counts")
_TRACE = ("trace",)
_MEDIA = ("media__id", "media__file", "media__width", "media__height", "media__duration_ms")


@dataclass(slots=True)
class Media:
    id: object
    file: str
    width: int | None
    height: int | None
    duration_ms: int | None


@dataclass(slots=True)
class Answer:
    text: str
    ttft_ms: int | None
    duration_ms: int | None
    style_counts: dict[str, Any] | None
    trace: Any = None
    media: Media | None = None


@dataclass(slots=True)
class TurnContent:
    prompt: str
    request: Any
    created_at: datetime
    answers: dict[str, Answer] = field(default_factory=dict)  # side → answer


@dataclass(slots=True)
class Listen:
    side: str
    kind: str
    position_ms: int
    client_ms: float


@dataclass(slots=True)
class BattleContent:
    """One voted battle as a release row is made from it."""

    id: UUID
    arena: str
    model_a: str
    model_b: str
    model_a_name: str
    model_b_name: str
    vote_id: int
    choice: str
    annotator_id: object
    voted_at: datetime
    rationale: str
    turns: list[TurnContent] = field(default_factory=list)  # by index
    aspects: dict[str, str] = field(default_factory=dict)
    feedback: str | None = None  # None: no feedback row
    listening: list[Listen] = field(default_factory=list)  # by arrival


def _batches(items: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _any_of(ids: Iterable[object], sql_type: str) -> RawSQL:
    """A batch's ids as one array parameter: an IN list of a thousand placeholders cost more
    to build and parse (in Django and psycopg) than the query cost to run."""
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (list(ids),))


def battles_content(battles: QuerySet[Battle], *, kind: str,
                    batch: int = BATCH) -> Iterator[BattleContent]:
    """`battles` in release order (vote time, then id), each with its content."""
    heads = (battles.order_by("vote__created_at", "id").values_list(*_HEAD)
             .iterator(chunk_size=batch))
    for chunk in _batches(heads, batch):
        yield from _with_content([BattleContent(*head) for head in chunk], kind)


def _with_content(battles: list[BattleContent], kind: str) -> list[BattleContent]:
    by_id = {b.id: b for b in battles}
    turns: dict[int, TurnContent] = {}
    battle_ids = _any_of(by_id, "uuid")
    found = (Turn.objects.filter(battle_id__in=battle_ids).order_by("battle_id", "index")
             .values_list("id", "battle_id", "prompt", "request", "created_at"))
    for turn_id, battle_id, prompt, request, created_at in found:
        turns[turn_id] = TurnContent(prompt, request, created_at)
        by_id[battle_id].turns.append(turns[turn_id])
    media = kind in ("media", "media_exposure")
    columns = _ANSWER + (_TRACE if kind == "search" else ()) + (_MEDIA if media else ())
    for row in Generation.objects.filter(turn_id__in=_any_of(turns, "bigint")).values_list(*columns):
        answer = Answer(*row[2:6])
        if kind == "search":
            answer.trace = row[6]
        if media and row[6] is not None:
            answer.media = Media(*row[6:11])
        turns[row[0]].answers[row[1]] = answer
    by_vote = {b.vote_id: b for b in battles}
    vote_ids = _any_of(by_vote, "bigint")
    for vote_id, aspect, choice in VoteAspect.objects.filter(vote_id__in=vote_ids).values_list(
            "vote_id", "aspect", "choice"):
        by_vote[vote_id].aspects[aspect] = choice
    if media:
        for vote_id, text in VoteFeedback.objects.filter(vote_id__in=vote_ids).values_list(
                "vote_id", "text"):
            by_vote[vote_id].feedback = text
    if kind == "media_exposure":
        events = (ListenEvent.objects.filter(battle_id__in=battle_ids)
                  .order_by("battle_id", "received_at", "id")
                  .values_list("battle_id", "side", "kind", "position_ms", "client_ms"))
        for battle_id, side, event, position_ms, client_ms in events:
            by_id[battle_id].listening.append(Listen(side, event, position_ms, client_ms))
    return battles
