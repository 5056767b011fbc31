"""Inter-annotator agreement, without Django: Krippendorff's alpha and leave-one-out majority.

Alpha is computed from the coincidence matrix (Krippendorff, "Computing Krippendorff's
Alpha-Reliability", 2011) for nominal data: each unit (an item) with m >= 2 values adds
1/(m - 1) for every ordered pair of its values; alpha = 1 - (n - 1) * sum_{c != k} o_ck /
sum_{c != k} n_c n_k. Units with a single value are not pairable and are left out, as the
method says. Alpha is None when nothing is pairable or every value is the same (no expected
disagreement to compare with).

Full rankings are agreed on position by position: each (item, answer) is a unit whose values
are the ranks annotators gave that answer. Ranks are ordered, so a nominal metric would count
"2nd vs 3rd" as badly as "1st vs 4th"; `krippendorff_alpha_ranks` uses the ordinal metric
(distance by how many values lie between, from the same coincidence matrix) or the interval
one ((c - k)^2), alpha = 1 - (n - 1) * sum o_ck d_ck / sum n_c n_k d_ck.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

Unit = TypeVar("Unit", bound=Hashable)
Value = TypeVar("Value", bound=Hashable)


def _coincidences(units: Mapping[Unit, Sequence[Value]]) -> dict[tuple[Value, Value], float]:
    coincidences: dict[tuple[Value, Value], float] = defaultdict(float)
    for values in units.values():
        m = len(values)
        if m < 2:
            continue
        for i, first in enumerate(values):
            for j, second in enumerate(values):
                if i != j:
                    coincidences[(first, second)] += 1 / (m - 1)
    return coincidences


def krippendorff_alpha_nominal(units: Mapping[Unit, Sequence[Value]]) -> float | None:
    coincidences = _coincidences(units)
    totals: dict[Value, float] = defaultdict(float)
    for (first, _), weight in coincidences.items():
        totals[first] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


Metric = Literal["ordinal", "interval"]


def krippendorff_alpha_ranks(units: Mapping[Unit, Sequence[int]], *,
                             metric: Metric = "ordinal") -> float | None:
    """Alpha on rank positions (or any ordered numbers); None as for the nominal alpha."""
    coincidences = _coincidences(units)
    totals: dict[int, float] = defaultdict(float)
    for (first, _), weight in coincidences.items():
        totals[first] += weight
    n = sum(totals.values())
    if n <= 1:
        return None
    ordered = sorted(totals)

    def distance(c: int, k: int) -> float:
        if metric == "interval":
            return float((c - k) ** 2)
        low, high = (c, k) if c <= k else (k, c)
        between = sum(totals[g] for g in ordered if low <= g <= high)
        return (between - (totals[c] + totals[k]) / 2) ** 2

    observed = sum(w * distance(c, k) for (c, k), w in coincidences.items() if c != k)
    expected = sum(totals[c] * totals[k] * distance(c, k)
                   for c in ordered for k in ordered if c != k)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def ranking_units(
    rankings: Iterable[tuple[Hashable, Sequence[int]]],
) -> dict[tuple[Hashable, int], list[int]]:
    """(item, ranking best first) pairs as units for `krippendorff_alpha_ranks`: one unit per
    (item, answer position), valued by the rank (1 = best) each annotator gave that answer."""
    units: dict[tuple[Hashable, int], list[int]] = defaultdict(list)
    for item, ranking in rankings:
        for rank, position in enumerate(ranking, start=1):
            units[(item, position)].append(rank)
    return dict(units)


@dataclass(frozen=True)
class AnnotatorAgreement:
    annotator: str
    compared: int  # judgements on items that others judged too
    agreed: float  # of those, how many matched the others' majority (a tie counts its share)
    rate: float | None
    outlier: bool


def leave_one_out_agreement(
    choices: Sequence[tuple[Hashable, str, Hashable]], *, chance: float, min_compared: int = 3,
) -> list[AnnotatorAgreement]:
    """Each annotator against the majority of the *other* annotators on the same items.

    `choices` holds (item, annotator, value). A tie among the others' most common values
    counts as 1/t agreement when the annotator chose one of the t tied values. An annotator
    with at least `min_compared` comparisons is flagged an outlier when their rate is no better
    than chance (1/K for a random pick) or more than two standard deviations under the mean.
    """
    by_item: dict[Hashable, list[tuple[str, Hashable]]] = defaultdict(list)
    for item, annotator, value in choices:
        by_item[item].append((annotator, value))
    compared: Counter[str] = Counter()
    agreed: dict[str, float] = defaultdict(float)
    for votes in by_item.values():
        for index, (annotator, value) in enumerate(votes):
            others = Counter(v for j, (_, v) in enumerate(votes) if j != index)
            if not others:
                continue
            top = max(others.values())
            modes = [v for v, c in others.items() if c == top]
            compared[annotator] += 1
            if value in modes:
                agreed[annotator] += 1 / len(modes)
    rates = {a: agreed[a] / compared[a] for a in compared}
    eligible = [r for a, r in rates.items() if compared[a] >= min_compared]
    mean = statistics.fmean(eligible) if eligible else 0.0
    spread = statistics.pstdev(eligible) if len(eligible) > 1 else 0.0
    out = []
    for annotator in sorted(rates):
        rate = rates[annotator]
        flagged = compared[annotator] >= min_compared and (
            rate <= chance or (spread > 0 and rate < mean - 2 * spread))
        out.append(AnnotatorAgreement(annotator, compared[annotator], agreed[annotator], rate,
                                      flagged))
    return out


def implied_pairs(ranking: Sequence[int], k: int) -> list[tuple[int, int]]:
    """(winner, loser) positions a K-way judgement implies: every ordered pair of a full
    ranking, or the best over each of the others for best-of-K."""
    if len(ranking) >= k - 1 and len(ranking) > 1:
        return [(ranking[i], ranking[j]) for i in range(len(ranking))
                for j in range(i + 1, len(ranking))]
    if len(ranking) == 1:
        return [(ranking[0], other) for other in range(k) if other != ranking[0]]
    return []
