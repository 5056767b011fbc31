"""Readers for battle files, so a released dataset can be re-ranked without a database.

Accepted: FastChat clean-battle JSON (a list of objects with model_a, model_b, winner), JSON
Lines or Parquet with those columns, and the pair-count JSON of
``chatbotarena_20240814_pair_counts.json`` (``{"models", "X", "Y"}``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from leaderboard.ranking.battles import BattleDataError, BattleSet
from leaderboard.ranking.style_columns import (
    STYLE_COLUMNS,
    StyleColumnError,
    style_from_arrow,
    style_from_objects,
)
from leaderboard.ranking.text_style import STYLE_FEATURES

COLUMNS = ("model_a", "model_b", "winner")


class BattleFileError(ValueError):
    """A file that cannot be read as battles; the message says what is wrong and where."""


def read_battle_file(path: str | Path, *, style: bool = False) -> BattleSet:
    """Read any supported battle file, choosing the format from the suffix and content.

    ``style=True`` also reads each battle's style features from its ``style_a`` / ``style_b``
    columns (a release's per-turn counts; :mod:`leaderboard.ranking.style_columns`), for a
    style-controlled fit; pair-count files have none."""
    path = Path(path)
    if not path.is_file():
        raise BattleFileError(f"{path}: no such file")
    try:
        if path.suffix == ".parquet":
            return _read_parquet(path, style)
        if path.suffix in (".jsonl", ".ndjson"):
            return _read_jsonl(path, style)
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            if path.suffix == ".json":
                raise
            return _read_jsonl(path, style)
        return _from_json(data, path, style)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BattleFileError(f"{path}: not valid JSON ({exc})") from None
    except (BattleDataError, StyleColumnError) as exc:
        raise BattleFileError(f"{path}: {exc}") from None


def _from_json(data: Any, path: Path, style: bool = False) -> BattleSet:
    if isinstance(data, dict) and {"models", "X", "Y"} <= data.keys():
        if style:
            raise BattleFileError(f"{path}: pair counts carry no style features")
        return _from_pair_counts(data, path)
    if isinstance(data, list):
        return _from_objects(data, path, style=style)
    raise BattleFileError(f"{path}: expected a list of battles or a pair-count object with models, X and Y")


def _from_objects(objects: list[Any], path: Path, first_line: int | None = None,
                  style: bool = False) -> BattleSet:
    columns: dict[str, list[str]] = {c: [] for c in COLUMNS}
    places: list[str] = []
    for k, item in enumerate(objects):
        where = f"line {first_line + k}" if first_line is not None else f"battle {k}"
        places.append(where)
        if not isinstance(item, dict):
            raise BattleFileError(f"{path}: {where} is not an object")
        for column in COLUMNS:
            value = item.get(column)
            if not isinstance(value, str) or not value:
                raise BattleFileError(f"{path}: {where} has no non-empty string {column!r}")
            columns[column].append(value)
    if not columns["winner"]:
        raise BattleFileError(f"{path}: no battles")
    features = style_from_objects(objects, where=places) if style else None
    return BattleSet.from_columns(columns["model_a"], columns["model_b"], columns["winner"],
                                  features=features,
                                  feature_names=STYLE_FEATURES if style else None)


def _read_jsonl(path: Path, style: bool = False) -> BattleSet:
    """Arrow's JSON Lines reader first (names never become Python objects); a file it cannot
    take whole is read again line by line, so the message can name the line at fault."""
    try:
        from pyarrow import json as arrow_json

        table = arrow_json.read_json(path)
        columns = [table.column(c) for c in COLUMNS]
        features = style_from_arrow(table) if style else None
    except Exception:  # noqa: BLE001 - any failure here means: take the line-by-line route
        return _read_jsonl_lines(path, style)
    if any(c.null_count or not _is_string(c.type) for c in columns) or not table.num_rows:
        return _read_jsonl_lines(path, style)
    model_a, model_b, winner = columns
    return BattleSet.from_columns(model_a, model_b, winner, features=features,
                                  feature_names=STYLE_FEATURES if style else None)


def _is_string(kind: object) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _read_jsonl_lines(path: Path, style: bool = False) -> BattleSet:
    objects = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BattleFileError(f"{path}: line {number} is not valid JSON ({exc})") from None
    return _from_objects(objects, path, first_line=1, style=style)


def _read_parquet(path: Path, style: bool = False) -> BattleSet:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BattleFileError(f"{path}: reading Parquet needs pyarrow, which is not installed") from None
    wanted = [*COLUMNS, *(STYLE_COLUMNS if style else ())]
    try:
        table = pq.read_table(path, columns=wanted, read_dictionary=list(COLUMNS))
    except Exception as exc:  # pyarrow raises several unrelated types for bad files
        raise BattleFileError(f"{path}: cannot read as Parquet with {tuple(wanted)} ({exc})") from None
    if not table.num_rows:
        raise BattleFileError(f"{path}: no battles")
    features = style_from_arrow(table) if style else None
    model_a, model_b, winner = (table.column(c) for c in COLUMNS)
    return BattleSet.from_columns(model_a, model_b, winner, features=features,
                                  feature_names=STYLE_FEATURES if style else None)


MAX_COUNT = 1e15  # well past any arena, and still exact in float64


def _is_index(value: object, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _is_count(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and 0 <= value < MAX_COUNT


def _from_pair_counts(data: dict[str, Any], path: Path) -> BattleSet:
    models, pairs, outcomes = data["models"], data["X"], data["Y"]
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise BattleFileError(f"{path}: models must be a list of non-empty names")
    if len(set(models)) != len(models):
        raise BattleFileError(f"{path}: models names a contender twice")
    if not isinstance(pairs, list) or not isinstance(outcomes, list) or len(pairs) != len(outcomes):
        raise BattleFileError(f"{path}: X and Y must be lists of the same length")
    a, b, code, count = [], [], [], []
    for k, (pair, counts) in enumerate(zip(pairs, outcomes, strict=True)):
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(counts, list) and len(counts) == 4):
            raise BattleFileError(f"{path}: entry {k} must be [i, j] with [wins_i, wins_j, ties, both_bad]")
        for end in pair:
            if not _is_index(end, len(models)):
                raise BattleFileError(
                    f"{path}: entry {k}: {end!r} is not a contender index "
                    f"(a whole number 0..{len(models) - 1})"
                )
        for value in counts:
            if not _is_count(value):
                raise BattleFileError(
                    f"{path}: entry {k}: count {value!r} is not a finite non-negative number "
                    f"below {MAX_COUNT:g}"
                )
        for outcome, value in enumerate(counts):
            a.append(pair[0])
            b.append(pair[1])
            code.append(outcome)
            count.append(value)
    try:
        return BattleSet.from_indices(models, a, b, code, count)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise BattleFileError(f"{path}: bad pair counts ({exc})") from None
