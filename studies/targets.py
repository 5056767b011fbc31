"""Demographic targets steering assignment, without Django.

A study may want a share of its annotators from some groups (`{"age_band": {"18-24": 0.2}}`).
While the study is young (fewer than half its slots judged), every item holds back the last
`reserved_slots` of its r slots for annotators of a group still below its target; the rest go
to anyone. Holding back only part of each item, and only early, means a study whose groups
never show up still finishes: once half the slots are judged, everything is open again.
Only demographics an annotator chose to share (opt-in) place them in a group.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

DIMENSIONS = ("age_band", "country", "languages")  # the annotator's stated fields

Group = tuple[str, str]


def person_groups(person: Mapping[str, Any]) -> set[Group]:
    """The (dimension, value) groups a person's shared demographics place them in."""
    if not person.get("demographics_opt_in"):
        return set()
    groups: set[Group] = set()
    for dimension in DIMENSIONS:
        value = person.get(dimension)
        values = value if isinstance(value, list) else [value]
        groups |= {(dimension, str(v)) for v in values if v}
    return groups


def groups_below_target(targets: Mapping[str, Mapping[str, float]],
                        people: Iterable[Mapping[str, Any]]) -> dict[Group, float]:
    """Target groups whose share of the study's annotators so far is under the target, with
    their target share (all of them when nobody has taken part yet)."""
    seen = [person_groups(p) for p in people]
    below: dict[Group, float] = {}
    for dimension, shares in targets.items():
        for value, share in shares.items():
            group = (dimension, str(value))
            have = sum(1 for groups in seen if group in groups) / len(seen) if seen else 0.0
            if share > 0 and have < share:
                below[group] = float(share)
    return below


def reserved_slots(*, overlap: int, below: Mapping[Group, float]) -> int:
    """How many of an item's r slots to hold back: enough for the largest missing share, never
    all of them (r - 1 at most), so nobody is locked out of an item entirely."""
    if not below:
        return 0
    return min(overlap - 1, math.ceil(overlap * max(below.values())))
