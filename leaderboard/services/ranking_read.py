"""Reading an arena's ranking rows as numpy columns: one binary ``COPY``, parsed block by
block as the stream arrives into arrays sized once, never a Python object per row.

The rows themselves (what they hold, when they are written, what keeps them exact) are
`leaderboard.services.ranking_rows`.
"""

from __future__ import annotations

import numpy as np
from django.db import connection

from battles.models import Arena
from leaderboard.models import RankingRow
from leaderboard.ranking.text_style import STYLE_FEATURES
from leaderboard.services.ranking_rows import RankingColumns
from leaderboard.services.vote_table import _table, gold_contender_ids

_NF = len(STYLE_FEATURES)


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
