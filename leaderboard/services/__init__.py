"""Writes of the leaderboard app: recomputing snapshots and importing battle files."""

from leaderboard.services.importing import ImportReport, battles_import
from leaderboard.services.recompute import RecomputeReport, leaderboard_recompute

__all__ = ["ImportReport", "RecomputeReport", "battles_import", "leaderboard_recompute"]
