"""What a ranking run produces, in a shape the Django side can store as JSON unchanged."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def _clean(value: float) -> float | None:
    """JSON has no NaN or infinity; an undefined bound is stored as null."""
    return None if math.isnan(value) or math.isinf(value) else round(value, 6)


@dataclass(frozen=True)
class StyleCoefficient:
    """Effect of one style feature on the log-odds of winning, per standard deviation."""

    name: str
    coefficient: float
    lower: float
    upper: float


@dataclass(frozen=True)
class RankingResult:
    """Ratings on the Elo scale with 95% bounds, one entry per contender, in input order.

    ``flags`` say what the votes cannot support for a contender (see
    :mod:`leaderboard.ranking.support`); a flagged contender has ``rank`` None. ``convergence``
    says whether the solver reached its tolerance, and if not, why.
    """

    models: list[str]
    ratings: list[float]
    lower: list[float]
    upper: list[float]
    rank: list[int | None]
    votes: list[float]
    method: str
    params: dict[str, Any]
    device: str
    duration_s: float
    coefficients: list[StyleCoefficient] = field(default_factory=list)
    flags: list[list[str]] = field(default_factory=list)
    convergence: dict[str, Any] = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return bool(self.convergence.get("converged", True))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per contender, best first, ready for a template or a JSON API."""
        flags = self.flags or [[] for _ in self.models]
        order = sorted(
            range(len(self.models)), key=lambda k: (bool(flags[k]), -self.ratings[k], self.models[k])
        )
        return [
            {
                "model": self.models[k],
                "rating": _clean(self.ratings[k]),
                "lower": _clean(self.lower[k]),
                "upper": _clean(self.upper[k]),
                "rank": self.rank[k],
                "votes": int(round(self.votes[k])),
                "flags": list(flags[k]),
            }
            for k in order
        ]

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to reproduce and display the run, JSON-serializable."""
        return {
            "method": self.method,
            "params": self.params,
            "device": self.device,
            "duration_s": round(self.duration_s, 6),
            "convergence": {
                k: (_clean(v) if isinstance(v, float) else v) for k, v in self.convergence.items()
            },
            "rows": self.rows(),
            "coefficients": [
                {
                    "name": c.name,
                    "coefficient": _clean(c.coefficient),
                    "lower": _clean(c.lower),
                    "upper": _clean(c.upper),
                }
                for c in self.coefficients
            ],
        }
