"""The per-vote ranking rows: written once when a vote is known, read as columns by a recompute.

A recompute used to join votes, battles, turns and generations (the answers' text) for every
vote on every run; at two million votes that read was 90% of the run. Everything ranking
needs of a vote is known when it is stored (its battle's answers have finished by then), so
`ranking_rows_write` computes it once into a narrow `RankingRow`: contenders, outcome, the
built-in category flags, admin tag flags, the style counts of both sides, a weight and the
vote's validity. A recompute then reads those columns with one binary ``COPY`` straight into
numpy (`ranking_columns_load`).

What keeps the rows exact:

- a new vote gets its row in the transaction that stores it (`leaderboard.signals`);
- votes stored in bulk without signals (imports, fixtures, rows older than this table) get
  theirs from `ranking_rows_fill`, which every recompute runs first and the
  ``ranking_rows_backfill`` command runs for a whole database;
- `is_valid` follows `Vote.is_valid` through a database trigger (migration
  ``leaderboard.0002``), so moderation's bulk invalidations and restorations land on the rows
  in the same transaction;
- a tag's flags carry the rule they were computed with (`CategoryTag.flags_rule`); when an
  admin adds or edits a tag, the next recompute (or ``ranking_rows_backfill --tags``)
  recomputes that tag's bit from the first prompts before fitting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from battles.models import Arena, Battle, BattleMode, Turn, Vote
from leaderboard.categories import TagRule, battle_categories, tag_rule
from leaderboard.models import MAX_TAGS_PER_ARENA, OVERALL, CategoryTag, RankingRow
from leaderboard.ranking.text_style import STYLE_FEATURES
from leaderboard.services.vote_table import OUTCOME_SQL, _query, _table, gold_contender_ids

CATEGORY_BITS = {"english": 1, "non_english": 2, "multi_turn": 4, "long_prompts": 8}
FILL_CHUNK = 20_000
_NF = len(STYLE_FEATURES)

VOTES_BY_ID = f"""
    SELECT v.battle_id, b.contender_a_id, b.contender_b_id, {OUTCOME_SQL} AS outcome,
           v.id AS vote_id, b.arena_id, b.mode = %s AS anonymous, v.annotator_id
    FROM {{vote}} v JOIN {{battle}} b ON b.id = v.battle_id
    WHERE v.id = ANY(%s)
"""


@dataclass
class RankingColumns:
    """The rankable votes of an arena (valid, anonymous, no gold contender), as columns."""

    contender_a: np.ndarray
    contender_b: np.ndarray
    outcome: np.ndarray
    flags: np.ndarray
    tag_flags: np.ndarray
    weight: np.ndarray
    style_a: np.ndarray
    style_b: np.ndarray
    annotator: np.ndarray  # 16-byte UUIDs ("V16"), for per-group boards
    excluded: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.outcome.shape[0])

    def style_features(self) -> np.ndarray:
        """Normalized differences (a - b) / (a + b), zero where neither side has any."""
        total = self.style_a + self.style_b
        diff = self.style_a - self.style_b
        return np.divide(diff, total, out=np.zeros_like(diff), where=total > 0)

    def category_masks(self, tags: Sequence[CategoryTag]) -> dict[str, np.ndarray]:
        """Overall, the built-in categories and each tag whose flags are current."""
        masks = {OVERALL: np.ones(len(self), dtype=bool)}
        for name, bit in CATEGORY_BITS.items():
            masks[name] = (self.flags & bit) != 0
        for tag in tags:
            if tag.bit is not None and tag.flags_rule == tag.rule_key:
                masks[tag.slug] = (self.tag_flags & np.int64(1 << tag.bit)) != 0
        return masks


def _rules(tags: Iterable[CategoryTag]) -> list[tuple[int, TagRule]]:
    return [(t.bit, tag_rule(t.slug, t.pattern, is_regex=t.is_regex))
            for t in tags if t.bit is not None]


def _tag_bits(prompt: str, rules: Sequence[tuple[int, TagRule]]) -> int:
    bits = 0
    for bit, rule in rules:
        if rule.pattern.search(prompt):
            bits |= 1 << bit
    return bits


def _as_signed(bits: int) -> int:
    """A 64-bit mask as PostgreSQL's signed bigint (bit 63 is never given out, but be safe)."""
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def tags_assign_bits(*, arena_id: int) -> list[CategoryTag]:
    """Give every tag of the arena a bit of `RankingRow.tag_flags` (the lowest free one)."""
    tags = list(CategoryTag.objects.select_for_update().filter(arena_id=arena_id).order_by("id"))
    used = {t.bit for t in tags if t.bit is not None}
    for tag in tags:
        if tag.bit is None:
            free = next((b for b in range(MAX_TAGS_PER_ARENA) if b not in used), None)
            if free is None:
                raise ValueError(f"An arena has at most {MAX_TAGS_PER_ARENA} category tags.")
            tag.bit = free
            used.add(free)
            tag.save(update_fields=["bit"])
    return tags


def _measured_rows(vote_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The ranking rows of these votes, less `is_valid`, from one query (tags included)."""
    tags = (f"(SELECT coalesce(json_agg(json_build_array(c.bit, c.slug, c.pattern, c.is_regex)), "
            f"'[]') FROM {_table(CategoryTag)} c WHERE c.arena_id = v.arena_id AND c.bit IS NOT NULL)")
    sql, style_params = _query(
        True, votes=VOTES_BY_ID, extra=f", v.vote_id, v.arena_id, v.anonymous, v.annotator_id, {tags}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(BattleMode.ANONYMOUS), list(vote_ids), *style_params])
        found = cursor.fetchall()
    compiled: dict[str, TagRule] = {}
    rows: list[tuple[Any, ...]] = []
    for a, b, outcome, turns, prompt, chars, *rest in found:
        styles, (vote_id, arena_id, anonymous, annotator, tag_list) = (
            rest[: 2 * _NF], rest[2 * _NF :])
        rules = []
        for bit, slug, pattern, is_regex in tag_list:
            key = f"{is_regex}:{pattern}"
            if key not in compiled:
                compiled[key] = tag_rule(slug, pattern, is_regex=is_regex)
            rules.append((bit, compiled[key]))
        flags = 0
        for name in battle_categories(first_prompt=prompt, prompt_chars=chars, turns=turns):
            flags |= CATEGORY_BITS[name]
        counts = [int(x or 0) for x in styles]
        rows.append((vote_id, arena_id, anonymous, a, b, outcome, flags,
                     _as_signed(_tag_bits(prompt, rules)), counts[:_NF], counts[_NF:],
                     annotator))
    return rows


_ROW_COLUMNS = ("vote_id", "arena_id", "anonymous", "contender_a", "contender_b", "outcome",
                "flags", "tag_flags", "style_a", "style_b", "annotator")


def ranking_row_write_new(*, vote: Vote) -> bool:
    """The row of a vote this transaction has just stored: two statements. Nothing else can
    change the vote's validity before this transaction commits, so it is taken as it is."""
    rows = _measured_rows([vote.id])
    if not rows:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(RankingRow)} ({', '.join(_ROW_COLUMNS)}, is_valid, weight) "
            f"VALUES ({', '.join(['%s'] * len(_ROW_COLUMNS))}, %s, 1.0) "
            "ON CONFLICT (vote_id) DO NOTHING",
            [*rows[0], vote.is_valid],
        )
    return True


def ranking_row_rewrite(*, vote_id: int) -> None:
    """Write a stored vote's row afresh, e.g. after its choice was edited."""
    with transaction.atomic():
        RankingRow.objects.filter(vote_id=vote_id).delete()
        ranking_rows_write(vote_ids=[vote_id])


def ranking_rows_write(*, vote_ids: Sequence[int]) -> int:
    """Compute and store the ranking rows of stored votes (their battles' answers finished);
    a row that exists already is left alone. Returns how many were written."""
    if not vote_ids:
        return 0
    rows = _measured_rows(vote_ids)
    return _rows_insert(rows) if rows else 0


def _rows_insert(rows: list[tuple[Any, ...]]) -> int:
    """COPY into a scratch table, then insert what is missing, taking `is_valid` from the vote
    under a share lock: a moderation UPDATE either committed before (we read its value) or
    waits for us (and its trigger then finds our row)."""
    table = _table(RankingRow)
    columns = ", ".join(_ROW_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ranking_row_new (vote_id bigint, arena_id bigint, "
            "anonymous bool, contender_a bigint, contender_b bigint, outcome smallint, "
            "flags smallint, tag_flags bigint, style_a int[], style_b int[], annotator uuid) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("DELETE FROM ranking_row_new")
        with cursor.cursor.copy(f"COPY ranking_row_new ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"SELECT 1 FROM {_table(Vote)} WHERE id IN (SELECT vote_id FROM ranking_row_new) "
            "ORDER BY id FOR SHARE"
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}, is_valid, weight) "
            f"SELECT {', '.join('n.' + c.strip() for c in columns.split(','))}, v.is_valid, 1.0 "
            f"FROM ranking_row_new n JOIN {_table(Vote)} v ON v.id = n.vote_id "
            "ON CONFLICT (vote_id) DO NOTHING"
        )
        written = cursor.rowcount
        cursor.execute("DELETE FROM ranking_row_new")
    return max(written, 0)


def ranking_rows_fill(*, arena_id: int | None = None, newest_only: bool = False) -> int:
    """Write the rows missing for votes stored without one (in bulk, or before this table).

    An anti-join on two primary-key indexes; costs little when nothing is missing (a few tenths
    of a second at a million votes). `newest_only` looks only at votes newer than the arena's
    newest row, where a bulk import puts them: what a recompute a vote waits for can afford;
    the other runs look at every vote."""
    restrict = ""
    params: list[Any] = []
    if arena_id is not None:
        restrict = (f"AND v.battle_id IN (SELECT id FROM {_table(Battle)} "
                    "WHERE arena_id = %s)")
        params.append(arena_id)
        if newest_only:
            restrict += (f" AND v.id > (SELECT coalesce(max(vote_id), 0) FROM {_table(RankingRow)} "
                         "WHERE arena_id = %s)")
            params.append(arena_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id FROM {_table(Vote)} v WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_table(RankingRow)} r WHERE r.vote_id = v.id) {restrict} "
            "ORDER BY v.id",
            params,
        )
        missing = [row[0] for row in cursor.fetchall()]
    written = 0
    for start in range(0, len(missing), FILL_CHUNK):
        written += ranking_rows_write(vote_ids=missing[start : start + FILL_CHUNK])
    return written


def tag_flags_refresh(*, arena_id: int, force: bool = False) -> list[str]:
    """Recompute the flags of each tag whose rule changed since they were computed (every
    tag with `force`), from the first prompts; returns the slugs refreshed."""
    with transaction.atomic():
        tags = tags_assign_bits(arena_id=arena_id)
        stale = [t for t in tags if force or t.flags_rule != t.rule_key]
        if not stale:
            return []
        rules = _rules(stale)
        clear = _as_signed(sum(1 << t.bit for t in stale if t.bit is not None))
        updates: list[tuple[int, int]] = []
        sql = (
            f"SELECT r.vote_id, t.prompt FROM {_table(RankingRow)} r "
            f"JOIN {_table(Vote)} v ON v.id = r.vote_id "
            f"JOIN {_table(Turn)} t ON t.battle_id = v.battle_id AND t.index = 0 "
            "WHERE r.arena_id = %s"
        )
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [arena_id])
            while chunk := cursor.fetchmany(FILL_CHUNK):
                updates.extend((vote_id, _as_signed(_tag_bits(prompt, rules)))
                               for vote_id, prompt in chunk)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS ranking_tag_bits "
                           "(vote_id bigint, bits bigint) ON COMMIT DELETE ROWS")
            # A session's temp table outlives a savepoint: start from an empty one.
            cursor.execute("DELETE FROM ranking_tag_bits")
            with cursor.cursor.copy("COPY ranking_tag_bits FROM STDIN") as copy:
                for row in updates:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {_table(RankingRow)} r SET tag_flags = (r.tag_flags & ~%s::bigint) | n.bits "
                "FROM ranking_tag_bits n WHERE n.vote_id = r.vote_id",
                [clear],
            )
        for tag in stale:
            tag.flags_rule = tag.rule_key
            tag.save(update_fields=["flags_rule"])
    return [t.slug for t in stale]


def _binary_dtype() -> np.dtype:
    """One tuple of `_COLUMNS` in PostgreSQL's binary COPY format (every field non-NULL)."""
    array = [("len", ">i4"), ("ndim", ">i4"), ("nulls", ">i4"), ("oid", ">i4"),
             ("dim", ">i4"), ("lbound", ">i4"), ("items", ">i4", (_NF, 2))]
    return np.dtype([
        ("nfields", ">i2"),
        ("la", ">i4"), ("a", ">i8"), ("lb", ">i4"), ("b", ">i8"),
        ("lo", ">i4"), ("outcome", ">i2"), ("lan", ">i4"), ("anonymous", "u1"),
        ("lf", ">i4"), ("flags", ">i2"), ("lt", ">i4"), ("tag_flags", ">i8"),
        ("lw", ">i4"), ("weight", ">f8"),
        ("style_a", array), ("style_b", array), ("lu", ">i4"), ("annotator", "V16"),
    ])


_COLUMNS = ("contender_a, contender_b, outcome, anonymous, flags, tag_flags, weight, style_a, "
            "style_b, annotator")
_HEADER = 19  # signature (11), flags (4), header extension length (4, zero)
_READ_BLOCK = 8 << 20


def copy_sql(arena_id: int) -> str:
    """Every valid row of the arena (side-by-side too: they are counted as excluded)."""
    return (f"COPY (SELECT {_COLUMNS} FROM {_table(RankingRow)} "
            f"WHERE arena_id = {int(arena_id)} AND is_valid) TO STDOUT (FORMAT BINARY)")


def _parse(buffer: bytes | bytearray, dtype: np.dtype) -> tuple[dict[str, np.ndarray], int]:
    """Parse the whole tuples at the start of `buffer`; returns the columns and bytes used."""
    n = len(buffer) // dtype.itemsize
    records = np.frombuffer(buffer, dtype=dtype, count=n)
    if n and (records["nfields"] != 10).any():
        raise ValueError("Unexpected tuple in the ranking rows COPY stream.")
    if n and ((records["style_a"]["dim"] != _NF) | (records["style_b"]["dim"] != _NF)).any():
        raise ValueError("A ranking row's style counts do not match the engine's features.")
    columns = {
        "a": records["a"].astype(np.int64), "b": records["b"].astype(np.int64),
        "outcome": records["outcome"].astype(np.int64),
        "anonymous": records["anonymous"].astype(bool),
        "flags": records["flags"].astype(np.int16),
        "tag_flags": records["tag_flags"].astype(np.int64),
        "weight": records["weight"].astype(np.float64),
        "style_a": records["style_a"]["items"][:, :, 1].astype(np.float64),
        "style_b": records["style_b"]["items"][:, :, 1].astype(np.float64),
        "annotator": records["annotator"].copy(),
    }
    return columns, n * dtype.itemsize


class _ColumnBuffer:
    """Columns filled block by block into arrays allocated once at the expected size (the
    arena's count at its previous read in this process), doubled when a read outgrows it
    (the first read in a process). Joining per-block parts at the end instead held every
    column twice and spent seconds copying at ten million votes."""

    def __init__(self, expected: int) -> None:
        self.size = 0
        self.capacity = max(expected + expected // 50, 1 << 16)
        self.columns: dict[str, np.ndarray] = {}

    def append(self, part: dict[str, np.ndarray]) -> None:
        n = len(part["a"])
        if not self.columns:
            self.columns = {k: np.empty((self.capacity, *v.shape[1:]), dtype=v.dtype)
                            for k, v in part.items()}
        if self.size + n > self.capacity:
            self.capacity = max(self.size + n, 2 * self.capacity)
            for k, v in self.columns.items():
                grown = np.empty((self.capacity, *v.shape[1:]), dtype=v.dtype)
                grown[: self.size] = v[: self.size]
                self.columns[k] = grown
        for k, v in part.items():
            self.columns[k][self.size : self.size + n] = v
        self.size += n

    def filled(self) -> dict[str, np.ndarray]:
        return {k: v[: self.size] for k, v in self.columns.items()}


def _parse_block(buffer: bytearray, dtype: np.dtype, parts: _ColumnBuffer, first: bool) -> bytearray:
    """Parse the whole tuples of `buffer` into `parts`; returns what is left over (the start
    of the next tuple, or at the end the trailer). The stream's header is skipped first."""
    if first and buffer.startswith(b"PGCOPY\n\xff\r\n\x00"):
        del buffer[:_HEADER]
    columns, used = _parse(buffer, dtype)
    if used:
        parts.append(columns)
    return buffer[used:]


# Rows read per arena at its last read in this process: the next read's allocation.
_LAST_COUNT: dict[int, int] = {}


def ranking_columns_load(*, arena_id: int) -> RankingColumns:
    """The arena's rankable votes as numpy columns, from one binary COPY of its ranking rows.

    Parsed block by block as the stream arrives, so the worker holds the columns and one
    block, never the whole stream or a Python object per row."""
    from moderation.selectors import excluded_vote_counts

    dtype = _binary_dtype()
    parts = _ColumnBuffer(_LAST_COUNT.get(arena_id, 0))
    pending = bytearray()
    first = True
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql(arena_id)) as copy:
        # One message per row: the loop only copies it out (holding on to psycopg's buffers
        # instead makes libpq allocate afresh for every row, several times slower).
        for data in copy:
            pending += data
            if len(pending) >= _READ_BLOCK:
                pending = _parse_block(pending, dtype, parts, first)
                first = False
    tail = _parse_block(pending, dtype, parts, first)
    if tail != b"\xff\xff":
        raise ValueError("The ranking rows COPY stream ended mid-tuple or without its trailer.")
    _LAST_COUNT[arena_id] = parts.size
    names = ("a", "b", "outcome", "anonymous", "flags", "tag_flags", "weight")
    if parts.size:
        joined = parts.filled()
    else:
        joined = {k: np.zeros(0, dtype=np.int64) for k in names}
        joined["anonymous"] = joined["anonymous"].astype(bool)
        joined["style_a"] = joined["style_b"] = np.zeros((0, _NF), dtype=np.float64)
        joined["annotator"] = np.zeros(0, dtype="V16")
    gold = np.array(gold_contender_ids(arena_id), dtype=np.int64)
    is_gold = (np.isin(joined["a"], gold) | np.isin(joined["b"], gold) if gold.size
               else np.zeros(len(joined["a"]), dtype=bool))
    keep = joined["anonymous"] & ~is_gold
    excluded = dict(excluded_vote_counts(arena=Arena.objects.get(id=arena_id)))
    excluded["side_by_side"] = int((~joined["anonymous"]).sum())
    if gold.size:
        excluded["gold"] = int((joined["anonymous"] & is_gold).sum())
    if not keep.all():  # most arenas: nothing to drop, so no second copy of every column
        joined = {name: column[keep] for name, column in joined.items()}
    return RankingColumns(
        contender_a=joined["a"], contender_b=joined["b"], outcome=joined["outcome"],
        flags=joined["flags"], tag_flags=joined["tag_flags"], weight=joined["weight"],
        style_a=joined["style_a"], style_b=joined["style_b"], annotator=joined["annotator"],
        excluded={reason: n for reason, n in sorted(excluded.items()) if n},
    )
