"""Ranking methods as plug-ins: one module each, one shape, found through :data:`REGISTERED`.

A method is a class with ``name``, ``label``, ``has_intervals`` and
``fit(battles, options) -> RankingResult`` (see :class:`RankingMethod`); its module under this
package is named after it and exposes it as ``METHOD``. Adding one means writing that module
and adding its name and label here. This file imports no torch, so the web process can
validate an arena's settings and label a page without loading the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from leaderboard.ranking.battles import BattleSet
    from leaderboard.ranking.result import RankingResult

# name -> label shown on the page; the name is stored in each snapshot.
REGISTERED: dict[str, str] = {
    "bradley_terry": "Bradley-Terry",
    "bradley_terry_style": "Bradley-Terry (style-controlled)",
    "online_elo": "Online Elo",
    "plackett_luce": "Plackett-Luce",
}
DEFAULT_METHOD = "bradley_terry"
STYLE_METHOD = "bradley_terry_style"  # the board shown with style control on


class UnknownMethod(ValueError):
    """A method name that is not registered; the message lists the registered ones."""


@dataclass(frozen=True)
class FitOptions:
    """What an arena or a command line may choose; each method reads the options it uses."""

    ci: Literal["sandwich", "bootstrap", "none"] = "sandwich"
    num_bootstrap: int = 1000
    seed: int = 0
    both_bad: Literal["tie", "drop"] = "tie"
    reweight: bool = False
    anchor: tuple[str, float] | None = None
    min_votes: float = 10.0
    device: str | None = None


class RankingMethod(Protocol):
    name: str
    label: str
    has_intervals: bool

    def fit(self, battles: BattleSet, options: FitOptions) -> RankingResult: ...


def method_check(name: str) -> str:
    """``name`` if registered, else :class:`UnknownMethod` naming the choices."""
    if name not in REGISTERED:
        choices = ", ".join(REGISTERED)
        raise UnknownMethod(f"unknown ranking method {name!r}; expected one of: {choices}")
    return name


def method_get(name: str) -> RankingMethod:
    """The method's plug-in, imported on first use."""
    method: RankingMethod = import_module(f"{__name__}.{method_check(name)}").METHOD
    return method
