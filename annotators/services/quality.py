"""Quality signals per annotator, shown to moderators next to their flags.

- seconds from the last token of the battle to the vote (median): very short means unread;
- share of ties and both-bad votes;
- agreement with the consensus: on the same (unordered) pair of contenders, how often the
  annotator picked the winner that most other annotators' valid votes picked;
- gold battles: battles in which exactly one contender is deliberately broken
  (`Contender.params["gold_broken"] = true`); passing means voting for the other side.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Max, Q

from annotators.models import Annotator
from battles.models import BattleMode, Contender, Vote

_DECISIVE = ("a", "b")
_MAX_PAIRS = 200


@dataclass(frozen=True)
class QualitySignals:
    votes: int
    median_seconds_to_vote: float | None
    tie_share: float | None
    consensus_votes: int
    consensus_agreement: float | None
    gold_battles: int
    gold_passed: int

    @property
    def gold_pass_rate(self) -> float | None:
        return self.gold_passed / self.gold_battles if self.gold_battles else None


def _winner_loser(choice: str, a: int, b: int) -> tuple[int, int]:
    return (a, b) if choice == "a" else (b, a)


def _consensus(rows: list[dict[str, object]], annotator: Annotator) -> tuple[int, int]:
    mine = [r for r in rows if r["battle__mode"] == BattleMode.ANONYMOUS
            and r["choice"] in _DECISIVE]
    pairs = {frozenset((r["battle__contender_a_id"], r["battle__contender_b_id"])) for r in mine}
    pairs_list = list(pairs)[:_MAX_PAIRS]
    if not pairs_list:
        return 0, 0
    pair_filter = Q()
    for pair in pairs_list:
        first, second = tuple(pair)
        pair_filter |= Q(battle__contender_a_id=first, battle__contender_b_id=second)
        pair_filter |= Q(battle__contender_a_id=second, battle__contender_b_id=first)
    wins: dict[frozenset[object], Counter[object]] = defaultdict(Counter)
    others = (
        Vote.objects.filter(pair_filter, is_valid=True, battle__mode=BattleMode.ANONYMOUS,
                            choice__in=_DECISIVE)
        .exclude(annotator=annotator)
        .values_list("choice", "battle__contender_a_id", "battle__contender_b_id")
    )
    for choice, a, b in others:
        wins[frozenset((a, b))][_winner_loser(choice, a, b)[0]] += 1
    compared = agreed = 0
    for row in mine:
        pair = frozenset((row["battle__contender_a_id"], row["battle__contender_b_id"]))
        ranked = wins.get(pair, Counter()).most_common(2)
        if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
            continue
        compared += 1
        winner, _ = _winner_loser(str(row["choice"]), row["battle__contender_a_id"],  # type: ignore[arg-type]
                                  row["battle__contender_b_id"])  # type: ignore[arg-type]
        agreed += winner == ranked[0][0]
    return compared, agreed


def annotator_quality(*, annotator: Annotator) -> QualitySignals:
    rows = list(
        Vote.objects.filter(annotator=annotator)
        .annotate(last_token=Max("battle__turns__generations__finished_at"))
        .values("choice", "created_at", "last_token", "battle__mode",
                "battle__contender_a_id", "battle__contender_b_id")
    )
    delays = [(r["created_at"] - r["last_token"]).total_seconds() for r in rows
              if r["last_token"] is not None]
    ties = sum(r["choice"] not in _DECISIVE for r in rows)
    broken = set(
        Contender.objects.filter(params__gold_broken=True).values_list("id", flat=True)
    )
    gold = passed = 0
    for row in rows:
        a, b = row["battle__contender_a_id"], row["battle__contender_b_id"]
        if (a in broken) == (b in broken):
            continue
        gold += 1
        passed += row["choice"] == ("b" if a in broken else "a")
    compared, agreed = _consensus(rows, annotator)
    return QualitySignals(
        votes=len(rows),
        median_seconds_to_vote=statistics.median(delays) if delays else None,
        tie_share=ties / len(rows) if rows else None,
        consensus_votes=compared,
        consensus_agreement=agreed / compared if compared else None,
        gold_battles=gold,
        gold_passed=passed,
    )
