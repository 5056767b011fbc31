"""Style-controlled (contextual) Bradley-Terry: ratings net of answer length and markdown."""

from __future__ import annotations

from leaderboard.ranking.methods.bradley_terry import BradleyTerry

METHOD = BradleyTerry(name="bradley_terry_style", label="Bradley-Terry (style-controlled)", style=True)
