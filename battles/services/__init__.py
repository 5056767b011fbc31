"""Writes on battles. Views, consumers and tasks call these; they hold the rules."""

from battles.services.battle_flow import (
    battle_start,
    generation_fail,
    generation_finish,
    turn_add,
)
from battles.services.errors import ArenaError
from battles.services.vote import vote_submit

__all__ = [
    "ArenaError",
    "battle_start",
    "generation_fail",
    "generation_finish",
    "turn_add",
    "vote_submit",
]
