"""A release's lines, streamed: stored fragments spliced with what the release decides.

One server-side cursor walks the release's battles in vote order with their contenders and
fragment joined (`releases.fragments` makes the missing fragments first), its next chunk
fetched by a thread while this one is used (`releases.prefetch`). For each battle the
per-prompt cap is applied, its files are copied, and its JSONL line and FastChat record are put
together from the fragment's JSON pieces and the release-time members, memoized per model pair
and per judge. Per row that is one string format, so a build runs at about the speed of
copying its rows out of the database; memory holds a few chunks of the cursor, the pending
second and a few bytes per distinct prompt, model and judge.

Everything is a function of the battles, the policy and the secret, never of the clock, so
building the same release twice gives the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import BinaryField, CharField, F, QuerySet, Window
from django.db.models.functions import Cast, Coalesce, RowNumber

from battles.models import Arena, Battle, Contender
from releases.demographics import Demographics
from releases.fragments import (
    FASTCHAT_MODELS,
    JUDGE_COLUMNS,
    MODEL_COLUMNS,
    TAG_COLUMNS,
    Part,
    fragment_make,
    fragment_version,
    fragments_fill,
    json_members,
    row_layout,
)
from releases.judges import judge_columns, judges_demographics
from releases.media import MediaSink, media_discard
from releases.models import RowFragment
from releases.prefetch import prefetched
from releases.reading import battles_content
from releases.rows import Naming

CHUNK = 2000
_CURSORS = count(1)


@dataclass
class ReleaseStats:
    """What the manifest says about the rows, accumulated as they stream past."""

    battles: int = 0
    per_model: Counter[str] = field(default_factory=Counter)
    models: dict[str, str] = field(default_factory=dict)  # slug → display name, as registered
    judges: set[str] = field(default_factory=set)
    down_sampled: int = 0
    first_tstamp: int | None = None
    last_tstamp: int | None = None

    def add(self, models: tuple[tuple[str, str], ...], judge: str, tstamp: int) -> None:
        self.battles += 1
        for slug, name in models:
            self.per_model[slug] += 1
            self.models[slug] = name
        self.judges.add(judge)
        if self.first_tstamp is None:
            self.first_tstamp = tstamp
        self.last_tstamp = tstamp

    @property
    def date_start(self) -> datetime | None:
        return None if self.first_tstamp is None else datetime.fromtimestamp(self.first_tstamp, tz=UTC)

    @property
    def date_end(self) -> datetime | None:
        return None if self.last_tstamp is None else datetime.fromtimestamp(self.last_tstamp, tz=UTC)


@dataclass(slots=True)
class Line:
    tstamp: int
    question_id: str
    release: str  # the battles.jsonl line
    fastchat: str  # FastChat's record
    models: tuple[tuple[str, str], ...]
    judge: str


# Where each run of a line's columns comes from (see `_Splicer`).
_FIXED, _CONVERSATIONS, _MODELS, _JUDGE, _TAGS = range(5)


class _Splicer:
    """Puts one row's line together; the release-time members are memoized by their source.

    The layout is compiled once into a template of its runs and the order to fill it from
    (fixed runs..., conversations, models, judge, tags): a line is then one C-level pick and
    one %-format, which matters at a million rows on the build's busiest thread.
    """

    def __init__(self, kind: str, demographics: Mapping[str, Demographics],
                 moderation_tags: Mapping[Any, list[str]]) -> None:
        plan = tuple(_source(part) for part in row_layout(kind))
        fixed_runs = plan.count(_FIXED)
        order, run = [], 0
        for source in plan:
            if source == _FIXED:
                order.append(run)
                run += 1
            else:  # after the fixed runs: conversations, models, judge, tags
                order.append(fixed_runs + source - _CONVERSATIONS)
        self.fixed_runs = fixed_runs
        self.template = "{" + ",".join(["%s"] * len(plan)) + "}"
        self.pick = itemgetter(*order) if len(order) > 1 else (lambda values: (values[order[0]],))
        self.demographics = demographics
        self.tags = moderation_tags
        self.by_models: dict[tuple[str, ...], str] = {}
        self.by_judge: dict[str, str] = {}
        self.untagged = json_members({"moderation_tags": []}, TAG_COLUMNS)
        self.fastchat_models: dict[tuple[str, ...], str] = {}

    def _models(self, models: tuple[str, ...]) -> str:
        named = dict(zip(MODEL_COLUMNS, models, strict=True))
        members = self.by_models[models] = json_members(named, MODEL_COLUMNS)
        self.fastchat_models[models] = json_members(named, FASTCHAT_MODELS)
        return members

    def _judge(self, judge: str) -> str:
        members = self.by_judge[judge] = json_members(judge_columns(self.demographics, judge),
                                                      JUDGE_COLUMNS)
        return members

    def _tags(self, battle_id: object) -> str:
        tags = self.tags.get(battle_id)
        return json_members({"moderation_tags": list(tags)}, TAG_COLUMNS) if tags else self.untagged

    def lines(self, models: tuple[str, ...], judge: str, battle_id: object, fixed: list[str],
              conversations: str, fastchat: str) -> tuple[str, str]:
        """The row's release line and FastChat record (its fixed members, the model slugs,
        the conversations)."""
        if len(fixed) != self.fixed_runs:
            raise ValueError(f"a stored row has {len(fixed)} fixed runs, the layout {self.fixed_runs}")
        members = self.by_models.get(models) or self._models(models)
        line = self.template % self.pick([*fixed, conversations, members,
                                          self.by_judge.get(judge) or self._judge(judge),
                                          self._tags(battle_id) if self.tags else self.untagged])
        return line, "{" + fastchat + "," + self.fastchat_models[models] + "," + conversations + "}"


def _source(part: Part) -> int:
    """Where a run of columns comes from; the release-time sources follow `_CONVERSATIONS` in
    the order `_Splicer.lines` passes them."""
    if part.source == "fixed":
        return _FIXED
    if part.source == "conversations":
        return _CONVERSATIONS
    for source, names in ((_MODELS, MODEL_COLUMNS), (_JUDGE, JUDGE_COLUMNS), (_TAGS, TAG_COLUMNS)):
        if part.names == names:
            return source
    raise ValueError(f"no release-time source for columns {part.names}")


def _kept(battles: QuerySet[Battle], max_per_prompt: int) -> str:
    """A temporary table of the battles the release holds (id, vote time), indexed in vote
    order; returns its name. Dropped with `_dropped`, at the latest when the transaction ends.

    The per-prompt cap keeps the first `max_per_prompt` of `battles` per stored prompt key, in
    vote order, chosen here from narrow rows: a capped battle's conversation is never read or
    sent (on the real votes, the cap leaves out half of them). A battle without a stored row
    yet gets a partition of its own; `_lines`' own count, on every row it reads, then caps it
    exactly.

    Why a table: a cursor's query runs in one process, and PostgreSQL sorted the whole joined
    result (a gigabyte, on disk) before the first row, 25 s of a 1.67M-battle build with
    nothing else to do. `CREATE TABLE AS` runs the window in parallel (4 s), and the cursor
    then walks the table's index in vote order, joining each battle's row as it goes: the
    first row comes at once and the database works while the rows are spliced.
    """
    table = f"release_kept_{next(_CURSORS)}"
    if max_per_prompt > 0:
        key = Coalesce(F("release_fragment__prompt_key"),
                       Cast(Cast("id", CharField()), BinaryField()))
        ranked = battles.annotate(prompt_rank=Window(
            RowNumber(), partition_by=[key], order_by=[F("vote__created_at").asc(), F("id").asc()]))
        sql, params = ranked.values_list("id", "vote__created_at", "prompt_rank").query.sql_with_params()
        select = f"SELECT k.id, k.voted FROM ({sql}) AS k(id, voted, prompt_rank) WHERE k.prompt_rank <= %s"
        params = (*params, max_per_prompt)
    else:
        sql, params = battles.values_list("id", "vote__created_at").query.sql_with_params()
        select = f"SELECT k.id, k.voted FROM ({sql}) AS k(id, voted)"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP AS {select}", params)
        cursor.execute(f"CREATE INDEX ON {table} (voted, id)")
        cursor.execute(f"ANALYZE {table}")
    return table


def _dropped(table: str) -> None:
    if connection.needs_rollback:  # the transaction's rollback takes the table away
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _rows_sql(kept: str) -> str:
    """The kept battles in vote order with arena, contenders and stored row (`_lines` unpacks
    the columns in this order)."""
    battle, arena = Battle._meta.db_table, Arena._meta.db_table
    contender, fragment = Contender._meta.db_table, RowFragment._meta.db_table
    return f"""
        SELECT a.slug, ca.slug, cb.slug, ca.name, cb.name, f.question_id, f.judge, f.tstamp,
               f.prompt_key, f.fixed, f.conversations, f.fastchat, f.media_files::text, f.version,
               b.id
        FROM {kept} k
        JOIN {battle} b ON b.id = k.id
        JOIN {arena} a ON a.id = b.arena_id
        JOIN {contender} ca ON ca.id = b.contender_a_id
        JOIN {contender} cb ON cb.id = b.contender_b_id
        LEFT JOIN {fragment} f ON f.battle_id = b.id
        ORDER BY k.voted, k.id"""


def _joined(kept: str) -> Generator[tuple[Any, ...], None, None]:
    """The kept battles' rows (`_rows_sql`), through one server-side cursor.

    The cursor fetches in the binary format: the stored text array, bytea and ids come as
    lengths and bytes, not as literals to unescape, and without Django's per-value converters
    (together a third of a build's time when rows are only spliced). The media list is cast to
    text so no format decodes its JSON. Run it in a transaction: outside one the cursor must be
    declared WITH HOLD, and PostgreSQL then copies the whole result aside before the first row
    comes back (gigabytes for a large release); inside one, rows are produced as fetched.
    """
    connection.ensure_connection()
    cursor = connection.connection.cursor(name=f"release_rows_{next(_CURSORS)}", binary=True,
                                          scrollable=False, withhold=False)
    with connection.wrap_database_errors, cursor:
        cursor.execute(_rows_sql(kept))
        chunks = prefetched(lambda: cursor.fetchmany(CHUNK))
        try:
            for chunk in chunks:
                yield from chunk
        finally:
            chunks.close()  # the fetching thread stops before the cursor closes


def release_lines(*, battles: QuerySet[Battle], kind: str, naming: Naming, max_per_prompt: int,
                  demographics: Mapping[str, Demographics], media: MediaSink,
                  moderation_tags: Mapping[Any, list[str]] | None = None,
                  stats: ReleaseStats | None = None) -> Iterator[Line]:
    """The release's lines in (tstamp, question_id) order, one at a time.

    The per-prompt cap keeps the first `max_per_prompt` battles of a prompt in vote order, a
    key that does not move: a battle kept in one release is kept in every later one (a keyed
    random choice would let a newer battle displace it, and cumulative releases would then
    disagree about rows both contain).
    """
    fragments_fill(battles, kind=kind, naming=naming)
    stats = stats if stats is not None else ReleaseStats()
    with transaction.atomic():
        total = battles.count()
        kept = _kept(battles, max_per_prompt)
        rows = _joined(kept)
        try:
            read = yield from _lines(rows, kind=kind, naming=naming, max_per_prompt=max_per_prompt,
                                     stats=stats,
                                     splicer=_Splicer(kind, demographics, moderation_tags or {}),
                                     media=media)
        finally:
            rows.close()  # its cursor reads the table
            _dropped(kept)
    stats.down_sampled += total - read  # capped in the database


def _lines(rows: Iterator[tuple[Any, ...]], *, kind: str, naming: Naming, max_per_prompt: int,
           stats: ReleaseStats, splicer: _Splicer, media: MediaSink) -> Generator[Line, None, int]:
    """Lines from the joined rows, in (tstamp, question_id) order; returns how many rows it read."""
    version = fragment_version(naming, kind)
    seen: Counter[bytes] = Counter()
    pending: list[Line] = []  # the rows of one whole second, sorted on flush
    read = 0
    for (arena, slug_a, slug_b, name_a, name_b, question_id, judge, tstamp, key, fixed,
         conversations, fastchat, files, made_as, battle_id) in rows:
        read += 1
        if made_as != version:  # dropped or remade by an older worker since the fill above
            fragment = _remade(battle_id, kind, naming, version)
            if fragment is None:
                continue  # the battle itself is gone
            question_id, judge, tstamp, key, fixed, conversations, fastchat = (
                fragment.question_id, fragment.judge, fragment.tstamp, bytes(fragment.prompt_key),
                fragment.fixed, fragment.conversations, fragment.fastchat)
            files = json.dumps(fragment.media_files) if fragment.media_files else None
        if max_per_prompt > 0:
            seen[key] += 1
            if seen[key] > max_per_prompt:
                stats.down_sampled += 1
                continue
        if files:  # JSON text: Django's connection leaves jsonb for its own decoder
            for target, source in json.loads(files):
                media(target, source)
        release, record = splicer.lines((arena, slug_a, slug_b, name_a, name_b), judge, battle_id,
                                        fixed, conversations, fastchat)
        if pending and pending[0].tstamp != tstamp:  # a new second: the last one is complete
            yield from _flushed(pending, stats)
            pending = []
        pending.append(Line(tstamp, question_id, release, record, ((slug_a, name_a), (slug_b, name_b)),
                            judge))
    yield from _flushed(pending, stats)
    return read


def _remade(battle_id: Any, kind: str, naming: Naming, version: str) -> RowFragment | None:
    """The battle's row made now and stored, or None if the battle no longer exists."""
    battle = next(battles_content(Battle.objects.filter(pk=battle_id), kind=kind), None)
    if battle is None:
        return None
    fragment = fragment_make(battle, kind=kind, naming=naming, version=version)
    fragment.save()
    return fragment


def _flushed(pending: list[Line], stats: ReleaseStats) -> list[Line]:
    """One second's lines in question_id order, counted in `stats`."""
    if len(pending) > 1:
        pending.sort(key=lambda line: line.question_id)
    for line in pending:
        stats.add(line.models, line.judge, line.tstamp)
    return pending


def release_content(*, battles: QuerySet[Battle], kind: str, naming: Naming,
                    max_per_prompt: int, k_anonymity: int) -> list[dict[str, Any]]:
    """All rows at once as dicts, for tests and small exports; the builder streams lines."""
    lines = release_lines(battles=battles, kind=kind, naming=naming, max_per_prompt=max_per_prompt,
                          demographics=judges_demographics(battles, naming, k_anonymity),
                          media=media_discard)
    return [json.loads(line.release) for line in lines]

