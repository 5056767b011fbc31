"""Arena's ranking engine: Bradley-Terry leaderboards in pure PyTorch (no Django imports).

Call :func:`rank_records` or :func:`rank_battles`; both return a :class:`RankingResult` whose
``to_dict()`` is JSON-ready.
"""

from leaderboard.ranking.api import rank_battles, rank_online_elo, rank_records
from leaderboard.ranking.battles import BattleDataError, BattleSet
from leaderboard.ranking.matrices import battle_count_matrix, win_rate_matrix
from leaderboard.ranking.result import RankingResult, StyleCoefficient
from leaderboard.ranking.style import SEARCH_FEATURES, STYLE_FEATURES, style_counts, style_features

__all__ = [
    "SEARCH_FEATURES",
    "STYLE_FEATURES",
    "BattleDataError",
    "BattleSet",
    "RankingResult",
    "StyleCoefficient",
    "battle_count_matrix",
    "rank_battles",
    "rank_online_elo",
    "rank_records",
    "style_counts",
    "style_features",
    "win_rate_matrix",
]
