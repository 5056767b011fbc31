"""Online Elo (K = 4): order-dependent, no intervals; how ratings moved as votes arrived."""

from __future__ import annotations

from dataclasses import dataclass

from leaderboard.ranking.api import rank_online_elo
from leaderboard.ranking.battles import BattleSet
from leaderboard.ranking.methods import FitOptions
from leaderboard.ranking.result import RankingResult


@dataclass(frozen=True)
class OnlineElo:
    name: str = "online_elo"
    label: str = "Online Elo"
    has_intervals: bool = False
    k: float = 4.0

    def fit(self, battles: BattleSet, options: FitOptions) -> RankingResult:
        return rank_online_elo(battles, k=self.k, both_bad=options.both_bad, min_votes=options.min_votes)


METHOD = OnlineElo()
