"""Names to codes: the shared-object route must give exactly what the dictionary route gives."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from leaderboard.ranking import factorize as factorize_module
from leaderboard.ranking.battles import WINNER_CHARS
from leaderboard.ranking.factorize import factorize, new_index, object_pointers, shared_object_codes

NAMES = [f"model-{k}" for k in range(40)]


def dictionary_codes(column: list[str]) -> tuple[list[int], list[str]]:
    """The reference: one dictionary lookup per value, codes in first-seen order."""
    index: dict[str, int] = {}
    codes = [index.setdefault(value, len(index)) for value in column]
    return codes, list(index)


def shared_column(size: int, seed: int = 3) -> list[str]:
    return random.Random(seed).choices(NAMES, k=size)


def test_shared_objects_take_the_table_route_and_match_the_dictionary() -> None:
    column = shared_column(50_000)
    index = new_index()
    codes = shared_object_codes(column, index)
    assert codes is not None, "a column of 40 repeated objects should take the table route"
    expected, order = dictionary_codes(column)
    assert codes.tolist() == expected
    assert list(index) == order


def test_two_columns_share_one_index_in_first_seen_order() -> None:
    a, b = shared_column(10_000, seed=1), shared_column(10_000, seed=2)
    b[0] = "only-in-b"
    index = new_index()
    codes_a, codes_b = factorize(a, index), factorize(b, index)
    expected, order = dictionary_codes(a + b)
    assert codes_a.tolist() + codes_b.tolist() == expected
    assert list(index) == order


def test_equal_strings_in_different_objects_get_one_code() -> None:
    column = shared_column(5_000)
    copies = [(name + "!")[:-1] for name in NAMES]  # equal text, other objects
    assert all(c is not n for c, n in zip(copies, NAMES, strict=True))
    column += random.Random(9).choices(copies, k=5_000)
    codes = factorize(column, new_index())
    assert codes.tolist() == dictionary_codes(column)[0]


def test_distinct_objects_use_the_dictionary_route() -> None:
    column = json.loads(json.dumps(shared_column(20_000)))
    assert shared_object_codes(column, new_index()) is None
    assert factorize(column, new_index()).tolist() == dictionary_codes(column)[0]


def test_object_arrays_and_strided_views() -> None:
    column = np.array(shared_column(20_000), dtype=object)
    assert object_pointers(column) is not None
    assert factorize(column, new_index()).tolist() == dictionary_codes(column.tolist())[0]
    strided = column[::3]
    assert object_pointers(strided) is None
    assert factorize(strided, new_index()).tolist() == dictionary_codes(strided.tolist())[0]


def test_list_pointers_are_the_elements_ids() -> None:
    column = shared_column(1_000)
    pointers = object_pointers(column)
    assert pointers is not None
    assert pointers.tolist() == [id(value) for value in column]
    assert object_pointers(tuple(column)) is None
    assert object_pointers([]) is None


def test_bucket_collisions_fall_back_to_the_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(factorize_module, "TABLE_BITS", 1)  # 2 buckets for 40 objects
    column = shared_column(10_000)
    assert shared_object_codes(column, new_index()) is None
    assert factorize(column, new_index()).tolist() == dictionary_codes(column)[0]


def test_unknown_label_raises_on_both_routes() -> None:
    winners = random.Random(4).choices(["model_a", "model_b", "tie"], k=10_000)
    assert factorize(winners, WINNER_CHARS).tolist() == [
        {"model_a": 0, "model_b": 1, "tie": 2}[w] for w in winners
    ]
    with pytest.raises(KeyError):
        factorize([*winners, "draw"], WINNER_CHARS)
    with pytest.raises(KeyError):
        factorize(json.loads(json.dumps([*winners, "draw"])), WINNER_CHARS)
