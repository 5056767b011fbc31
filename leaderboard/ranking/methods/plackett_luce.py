"""Plackett-Luce: rankings of up to four answers; on pairwise votes it is Bradley-Terry."""

from __future__ import annotations

from dataclasses import dataclass

from leaderboard.ranking.api import rank_rankings
from leaderboard.ranking.battles import BattleSet
from leaderboard.ranking.methods import FitOptions
from leaderboard.ranking.plackett_luce import Rankings
from leaderboard.ranking.result import RankingResult


@dataclass(frozen=True)
class PlackettLuce:
    name: str = "plackett_luce"
    label: str = "Plackett-Luce"
    has_intervals: bool = True

    def fit(self, battles: BattleSet | Rankings, options: FitOptions) -> RankingResult:
        """Pairwise votes become rankings of two; a study's K-way rankings are used as they are."""
        if isinstance(battles, Rankings):
            rankings = battles
        else:
            rankings = Rankings.from_battles(battles, options.both_bad)
        return rank_rankings(
            rankings,
            ci=options.ci,
            num_bootstrap=options.num_bootstrap,
            seed=options.seed,
            both_bad=options.both_bad,
            anchor=options.anchor,
            min_votes=options.min_votes,
        )


METHOD = PlackettLuce()
