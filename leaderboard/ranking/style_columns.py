"""Style features from a released battle file's ``style_a`` / ``style_b`` columns.

A release stores each side's style counts per turn (``[{length, headers, lists, bold, ...}]``,
null for a turn without an answer); the site ranks on the counts of each side's whole
conversation, summed over its turns, as the normalized difference ``(a - b) / (a + b)``
(``leaderboard.services.ranking_rows``). This module does the same from a file, so the
style-controlled board reproduces from a release without the database. A plain object per
battle (already summed) is accepted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from leaderboard.ranking.text_style import STYLE_FEATURES

STYLE_COLUMNS = ("style_a", "style_b")


class StyleColumnError(ValueError):
    """The style columns are missing or not counts; the message says which and where."""


def normalized_differences(counts_a: np.ndarray, counts_b: np.ndarray) -> np.ndarray:
    total = counts_a + counts_b
    return np.divide(counts_a - counts_b, total, out=np.zeros_like(total), where=total > 0)


def _count(value: Any, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e15:
        raise StyleColumnError(f"{where}: {value!r} is not a count")
    return float(value)


def _summed(cell: Any, names: Sequence[str], where: str) -> list[float]:
    """One side's counts over its turns: a list of per-turn objects, one object, or null."""
    turns = cell if isinstance(cell, list) else [cell]
    totals = [0.0] * len(names)
    for turn in turns:
        if turn is None:
            continue
        if not isinstance(turn, dict):
            raise StyleColumnError(f"{where}: style counts must be objects, got {type(turn).__name__}")
        for k, name in enumerate(names):
            totals[k] += _count(turn.get(name), f"{where}, {name}")
    return totals


def style_from_objects(objects: Sequence[dict[str, Any]], *, names: Sequence[str] = STYLE_FEATURES,
                       where: Sequence[str] | None = None) -> np.ndarray:
    """Features (one row per battle, one column per name) from JSON battle objects."""
    sides: list[np.ndarray] = []
    for column in STYLE_COLUMNS:
        rows = []
        for k, item in enumerate(objects):
            label = where[k] if where is not None else f"battle {k}"
            if column not in item:
                raise StyleColumnError(f"{label} has no {column!r} (style control needs "
                                       f"{' and '.join(STYLE_COLUMNS)})")
            rows.append(_summed(item[column], names, f"{label} {column}"))
        sides.append(np.asarray(rows, dtype=np.float64).reshape(len(objects), len(names)))
    return normalized_differences(*sides)


def style_from_arrow(table: Any, *, names: Sequence[str] = STYLE_FEATURES) -> np.ndarray:
    """Features from a pyarrow table whose style columns are lists of structs (a release) or
    structs (one per battle), summed per battle in Arrow without Python objects per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = [c for c in STYLE_COLUMNS if c not in table.column_names]
    if missing:
        raise StyleColumnError(f"no {' and '.join(missing)} column (style control needs "
                               f"{' and '.join(STYLE_COLUMNS)})")
    sides: list[np.ndarray] = []
    for column in STYLE_COLUMNS:
        cells = table.column(column).combine_chunks()
        if pa.types.is_list(cells.type) or pa.types.is_large_list(cells.type):
            owners = pc.list_parent_indices(cells).to_numpy()
            structs = pc.list_flatten(cells)
        else:
            owners, structs = np.arange(len(cells)), cells
        if not pa.types.is_struct(structs.type):
            raise StyleColumnError(f"{column}: expected style count objects, got {structs.type}")
        counts = np.zeros((len(cells), len(names)))
        for k, name in enumerate(names):
            if structs.type.get_field_index(name) < 0:
                raise StyleColumnError(f"{column}: no {name!r} count")
            values = pc.fill_null(pc.struct_field(structs, name), 0).to_numpy(zero_copy_only=False)
            values = values.astype(np.float64)
            if values.size and (not np.isfinite(values).all() or (values < 0).any()):
                raise StyleColumnError(f"{column}: {name} holds a value that is not a count")
            counts[:, k] = np.bincount(owners, weights=values, minlength=len(cells))
        sides.append(counts)
    return normalized_differences(*sides)
