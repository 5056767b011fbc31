"""Bradley-Terry by maximum likelihood, ties as half wins: the default leaderboard."""

from __future__ import annotations

from dataclasses import dataclass

from leaderboard.ranking.api import rank_battles
from leaderboard.ranking.battles import BattleSet
from leaderboard.ranking.methods import FitOptions
from leaderboard.ranking.result import RankingResult


@dataclass(frozen=True)
class BradleyTerry:
    name: str = "bradley_terry"
    label: str = "Bradley-Terry"
    has_intervals: bool = True
    style: bool = False

    def fit(self, battles: BattleSet, options: FitOptions) -> RankingResult:
        return rank_battles(
            battles,
            ci="sandwich" if self.style else options.ci,
            num_bootstrap=options.num_bootstrap,
            seed=options.seed,
            both_bad=options.both_bad,
            style=self.style,
            reweight=options.reweight,
            anchor=options.anchor,
            min_votes=options.min_votes,
            device=options.device,
        )


METHOD = BradleyTerry()
