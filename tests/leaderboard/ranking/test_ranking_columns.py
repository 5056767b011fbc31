"""Name columns become codes inside Arrow, in first-seen order, whatever the column's origin."""

from __future__ import annotations

import json
import random

import numpy as np
import pyarrow as pa
import pytest

from leaderboard.ranking.battles import WINNER_CODES, BattleDataError, BattleSet
from leaderboard.ranking.columns import ColumnError, battle_codes

NAMES = [f"model-{k}" for k in range(40)]


def dictionary_codes(column: list[str]) -> tuple[list[int], list[str]]:
    index: dict[str, int] = {}
    codes = [index.setdefault(value, len(index)) for value in column]
    return codes, list(index)


def columns(size: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    return (rng.choices(NAMES, k=size), rng.choices(NAMES, k=size),
            rng.choices(["model_a", "model_b", "tie", "tie (bothbad)"], k=size))


@pytest.mark.parametrize("kind", ["list", "json-list", "object-array", "arrow", "arrow-dictionary"])
def test_every_kind_of_column_gives_first_seen_codes(kind: str) -> None:
    a, b, w = columns(5_000, seed=3)
    b[0] = "only-in-b"
    convert = {
        "list": lambda c: c,
        "json-list": lambda c: json.loads(json.dumps(c)),
        "object-array": lambda c: np.array(c, dtype=object),
        "arrow": lambda c: pa.chunked_array([c[:100], c[100:]]),
        "arrow-dictionary": lambda c: pa.array(c).dictionary_encode(),
    }[kind]
    models, codes_a, codes_b, outcome = battle_codes(convert(a), convert(b), convert(w), WINNER_CODES)
    expected, order = dictionary_codes(a + b)
    assert codes_a.tolist() + codes_b.tolist() == expected and models == order
    assert outcome.tolist() == [WINNER_CODES[x] for x in w]


def test_a_dictionary_with_unused_and_repeated_entries_is_compacted() -> None:
    indices = pa.array([2, 2, 0, 3], type=pa.int32())
    column = pa.DictionaryArray.from_arrays(indices, pa.array(["x", "unused", "y", "x"]))
    models, codes, _, _ = battle_codes(column, ["y", "y", "y", "y"], ["tie"] * 4, WINNER_CODES)
    assert models == ["y", "x"] and codes.tolist() == [0, 0, 1, 1]


def test_bad_columns_say_what_is_wrong() -> None:
    with pytest.raises(KeyError, match="draw"):
        battle_codes(["a"], ["b"], ["draw"], WINNER_CODES)
    with pytest.raises(ColumnError, match="missing"):
        battle_codes(["a", None], ["b", "c"], ["tie", "tie"], WINNER_CODES)
    with pytest.raises(BattleDataError, match="non-empty"):
        BattleSet.from_columns(["a"], [""], ["tie"])
    with pytest.raises(BattleDataError, match="unknown winner 'draw'"):
        BattleSet.from_columns(["a"], ["b"], ["draw"])
