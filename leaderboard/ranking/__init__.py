"""Arena's ranking engine: Bradley-Terry leaderboards in pure PyTorch (no Django imports).

Call :func:`rank_records` or :func:`rank_battles`; both return a :class:`RankingResult` whose
``to_dict()`` is JSON-ready.

Names are resolved on first use (PEP 562), so importing a torch-free submodule such as
:mod:`leaderboard.ranking.text_style` from the web process does not import torch.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leaderboard.ranking.api import rank_battles, rank_online_elo, rank_records
    from leaderboard.ranking.battles import BattleDataError, BattleSet
    from leaderboard.ranking.matrices import battle_count_matrix, win_rate_matrix
    from leaderboard.ranking.result import RankingResult, StyleCoefficient
    from leaderboard.ranking.text_style import SEARCH_FEATURES, STYLE_FEATURES, style_counts, style_features

_WHERE = {
    "rank_battles": "api",
    "rank_online_elo": "api",
    "rank_records": "api",
    "BattleDataError": "battles",
    "BattleSet": "battles",
    "battle_count_matrix": "matrices",
    "win_rate_matrix": "matrices",
    "RankingResult": "result",
    "StyleCoefficient": "result",
    "SEARCH_FEATURES": "text_style",
    "STYLE_FEATURES": "text_style",
    "style_counts": "text_style",
    "style_features": "text_style",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
