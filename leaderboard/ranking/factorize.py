"""Names to integer codes, fast enough that reading a vote file is not the slow part of ranking it.

A column of names (``model_a`` of 1.67M battles) becomes int64 codes through a mapping from each
distinct name to a one-character code. Two routes give the same codes:

* **Shared objects.** Columns built by files, data frames and list expansions usually repeat a
  handful of string *objects*: every ``"gpt-4"`` in the column is the same object. Then the
  column's object pointers, read as integers without touching the objects, hash into a small
  table in a few vectorised passes (about 10 ns a value); only one name per distinct object is
  looked up in Python. The route checks that no two objects share a bucket and otherwise steps
  aside.
* **Dictionary.** Otherwise (every value its own object, as a JSON parser or a database driver
  produces them) each value is looked up in CPython: ``"".join`` over a C-level ``map`` to
  one-character codes, one ``encode``, one ``np.frombuffer``; about 30 ns a value.
"""

from __future__ import annotations

import ctypes
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import count
from typing import Any

import numpy as np
import torch

TABLE_BITS = 16
# Odd 64-bit multipliers for multiplicative hashing of pointers; a second one is tried when two
# objects land in one bucket under the first.
HASH_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)
# A column whose first SAMPLE values hold more than SAMPLE_DISTINCT distinct objects is taken to
# be mostly distinct objects, for which the table cannot help.
SAMPLE = 4096
SAMPLE_DISTINCT = 512
# CPython's PyListObject: refcount, type and size words, then ``ob_item``, the element array.
LIST_ITEMS_OFFSET = 3 * ctypes.sizeof(ctypes.c_void_p)


def new_index() -> defaultdict[str, str]:
    """A name -> code mapping for :func:`factorize` that gives each unseen name the next code.

    The factory runs in C (``chr`` over a counter), so a lookup of a new name costs no more
    than one of a known name.
    """
    return defaultdict(map(chr, count()).__next__)


def factorize(column: Iterable[Any], index: Mapping[Any, str]) -> np.ndarray:
    """Codes of ``column``'s values under ``index`` (values to one-character codes), as int64.

    Unseen values are added to ``index`` in first-seen order when it is a :func:`new_index`;
    a plain mapping raises ``KeyError`` for them. The caller must not change ``column`` while
    this runs (the shared-object route reads a list's element array in place).
    """
    codes = shared_object_codes(column, index)
    if codes is not None:
        return codes
    text = "".join(map(index.__getitem__, column))
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)


def object_pointers(column: Iterable[Any]) -> np.ndarray | None:
    """The addresses of ``column``'s elements as an int64 view, or None where they can't be read.

    Works for 1-D contiguous object arrays (their buffer is the pointer array) and, on CPython,
    for lists (their ``ob_item`` array). Where the list layout is not what CPython's is, a sample
    of addresses won't match ``id()`` of the elements and the answer is None.
    """
    if isinstance(column, np.ndarray):
        if column.dtype != object or column.ndim != 1 or not column.flags.c_contiguous:
            return None
        address, length = column.ctypes.data, len(column)
    elif type(column) is list and sys.implementation.name == "cpython":
        length = len(column)
        address = ctypes.c_void_p.from_address(id(column) + LIST_ITEMS_OFFSET).value or 0
    else:
        return None
    if not length or not address:
        return None
    pointers = np.ctypeslib.as_array((ctypes.c_int64 * length).from_address(address))
    probes = np.unique(np.linspace(0, length - 1, num=min(length, 33), dtype=np.int64))
    if any(int(pointers[i]) != id(column[i]) for i in probes.tolist()):
        return None
    return pointers


def shared_object_codes(column: Iterable[Any], index: Mapping[Any, str]) -> np.ndarray | None:
    """Codes for a column that repeats a few objects, or None to use the dictionary route.

    Each pointer hashes (multiply-shift) into a table of ``2**TABLE_BITS`` buckets; the first
    position per bucket (``scatter_reduce`` with ``amin``, deterministic) gives one element per
    distinct object, in first-seen order, and the column is correct only if every element's
    pointer equals its bucket owner's. Equal strings held in different objects get the same code
    because the code comes from ``index``.
    """
    pointers = object_pointers(column)
    if pointers is None or len(np.unique(pointers[:SAMPLE])) > SAMPLE_DISTINCT:
        return None
    elements: Any = column
    size = len(pointers)
    positions = torch.arange(size)
    unsigned = pointers.view(np.uint64)
    for multiplier in HASH_MULTIPLIERS:
        bucket = ((unsigned * np.uint64(multiplier)) >> np.uint64(64 - TABLE_BITS)).astype(np.int64)
        first = torch.full((1 << TABLE_BITS,), size, dtype=torch.int64)
        first.scatter_reduce_(0, torch.from_numpy(bucket), positions, reduce="amin")
        used = (first < size).nonzero().flatten()
        used = used[first[used].argsort()]
        owners = first[used].numpy()
        owner_pointer = np.zeros(1 << TABLE_BITS, dtype=np.int64)
        owner_pointer[used.numpy()] = pointers[owners]
        if not np.array_equal(owner_pointer[bucket], pointers):
            continue
        lookup = np.zeros(1 << TABLE_BITS, dtype=np.int64)
        lookup[used.numpy()] = [ord(index[elements[i]]) for i in owners.tolist()]
        return lookup[bucket]
    return None
