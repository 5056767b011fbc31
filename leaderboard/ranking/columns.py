"""Name columns to integer codes inside Arrow: no Python object per value.

A file reader hands Arrow arrays (Parquet read with dictionary encoding, JSON Lines parsed by
Arrow's own reader) straight to :func:`column_codes`; a Python list or object array is copied
into one Arrow string buffer first (``pa.array``, one C loop). Either way the per-value work is
Arrow's hash-based ``dictionary_encode``; Python only ever touches the distinct names.

Codes are in first-seen order, ``model_a`` before ``model_b``, so a file gives the same
leaderboard order whichever reader built it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Column: TypeAlias = "Sequence[str] | np.ndarray | pa.Array | pa.ChunkedArray"


class ColumnError(ValueError):
    """A column that is not all non-empty strings; the message says which."""


def _dictionary(column: Column, name: str) -> tuple[np.ndarray, list[str]]:
    """(codes, distinct values in first-seen order) for one column."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not isinstance(column, pa.Array):
        try:
            column = pa.array(column, type=pa.string())
        except UnicodeEncodeError:
            return _python_dictionary(column, name)  # a lone surrogate: not UTF-8, not Arrow
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ColumnError(f"{name} must hold strings ({exc})") from None
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    if column.null_count:
        raise ColumnError(f"{name} has {column.null_count} missing values")
    values = column.dictionary.to_pylist()
    codes = column.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    used = np.zeros(len(values), dtype=bool)
    used[codes] = True
    if not used.all() or len(set(values)) != len(values):
        # A Parquet dictionary may hold unused or (across row groups) repeated entries: keep one
        # entry per distinct used value, in first-seen order.
        first = np.full(len(values), codes.shape[0], dtype=np.int64)
        np.minimum.at(first, codes, np.arange(codes.shape[0]))
        order = sorted(np.nonzero(used)[0].tolist(), key=lambda k: first[k])
        distinct: dict[str, int] = {}
        remap = np.zeros(len(values), dtype=np.int64)
        for k in order:
            remap[k] = distinct.setdefault(values[k], len(distinct))
        return remap[codes], list(distinct)
    return codes, values


def _python_dictionary(column: Sequence[Any] | np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """The slow route, for names Arrow cannot store (text that is not valid Unicode)."""
    index: dict[str, int] = {}
    codes = []
    for value in column:
        if not isinstance(value, str):
            raise ColumnError(f"{name} must hold strings, not {type(value).__name__}")
        codes.append(index.setdefault(value, len(index)))
    return np.array(codes, dtype=np.int64), list(index)


def battle_codes(
    model_a: Column, model_b: Column, winner: Column, winner_codes: Mapping[str, int]
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(model names, model_a codes, model_b codes, outcome codes) for three parallel columns.

    An unknown winner label raises ``KeyError`` with the label; an empty name ``ColumnError``.
    """
    codes_a, names_a = _dictionary(model_a, "model_a")
    codes_b, names_b = _dictionary(model_b, "model_b")
    codes_w, labels = _dictionary(winner, "winner")
    index = {name: k for k, name in enumerate(names_a)}
    for name in names_b:
        index.setdefault(name, len(index))
    if "" in index:
        raise ColumnError("model names must be non-empty strings")
    remap_b = np.array([index[name] for name in names_b], dtype=np.int64)
    outcome = np.array([winner_codes[label] for label in labels], dtype=np.int64)
    return list(index), codes_a, remap_b[codes_b] if codes_b.size else codes_b, (
        outcome[codes_w] if codes_w.size else codes_w
    )


def is_arrow(column: Any) -> bool:
    return isinstance(column, pa.Array | pa.ChunkedArray)
