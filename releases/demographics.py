"""k-anonymous demographics: a combination of fields is released only if ≥ k people share it.

A person whose (age band, country, languages) combination is rarer than k in the release gets
all three fields suppressed (null), so a rare combination cannot single anybody out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Demographics:
    age_band: str | None = None
    country: str | None = None
    languages: tuple[str, ...] | None = None

    @property
    def is_empty(self) -> bool:
        return self.age_band is None and self.country is None and self.languages is None


SUPPRESSED = Demographics()


def k_anonymize(people: Mapping[str, Demographics], *, k: int) -> dict[str, Demographics]:
    """Keep each person's combination only where at least `k` people in `people` share it."""
    shared = Counter(d for d in people.values() if not d.is_empty)
    return {
        person: d if not d.is_empty and shared[d] >= k else SUPPRESSED
        for person, d in people.items()
    }
