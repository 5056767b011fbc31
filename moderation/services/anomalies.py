"""Vote patterns that chance explains badly, raised as annotator flags for review.

- side bias: decisive votes for side A vs B (sides are shuffled, so each is 1/2);
- one-sided preference: how often one contender wins the decisive votes it appears in
  (1/2 if the annotator judged the answers rather than the name), Bonferroni-corrected over
  the contenders tested; only the favoured contender is reported. The expected rate is the
  crowd's (everybody else's valid votes for that contender), or 1/2 with too few of those,
  so preferring a model that really is better is not suspicious.
Both use an exact two-sided binomial test; a flag needs `MODERATION_ANOMALY_MIN_VOTES` votes
and p below `MODERATION_ANOMALY_ALPHA`. A flag is not raised twice while one is open.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from annotators.models import Annotator
from battles.models import BattleMode, Contender, Vote
from moderation.models import Flag, FlagKind, FlagStatus


def binomial_two_sided_p(k: int, n: int, p: float = 0.5) -> float:
    """Exact two-sided p-value: the probability of any outcome no likelier than k."""
    if n == 0:
        return 1.0
    probabilities = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    observed = probabilities[k] * (1 + 1e-9)
    return min(1.0, sum(q for q in probabilities if q <= observed))


@dataclass(frozen=True)
class Anomaly:
    reason: str
    detail: str
    p_value: float


def annotator_anomalies(*, annotator: Annotator) -> list[Anomaly]:
    minimum = settings.MODERATION_ANOMALY_MIN_VOTES
    alpha = settings.MODERATION_ANOMALY_ALPHA
    votes = list(
        Vote.objects.filter(annotator=annotator, battle__mode=BattleMode.ANONYMOUS,
                            choice__in=["a", "b"])
        .values_list("choice", "battle__contender_a_id", "battle__contender_b_id")
    )
    found = []
    n = len(votes)
    if n >= minimum:
        side_a = sum(choice == "a" for choice, _, _ in votes)
        p_value = binomial_two_sided_p(side_a, n)
        if p_value < alpha:
            found.append(Anomaly("side_bias", f"chose side A in {side_a} of {n} votes", p_value))
    appearances: Counter[int] = Counter()
    wins: Counter[int] = Counter()
    for choice, a, b in votes:
        appearances.update((a, b))
        wins[a if choice == "a" else b] += 1
    tested = [c for c, count in appearances.items() if count >= minimum]
    names = dict(Contender.objects.filter(id__in=tested).values_list("id", "name"))
    expected = _crowd_win_rates(annotator=annotator, contender_ids=tested, minimum=minimum)
    for contender_id in tested:
        k, m = wins[contender_id], appearances[contender_id]
        rate = expected.get(contender_id, 0.5)
        p_value = binomial_two_sided_p(k, m, rate) * len(tested)
        if k > m * rate and p_value < alpha:
            found.append(Anomaly(
                "one_sided_preference",
                f"{names.get(contender_id, contender_id)} won {k} of its {m} battles "
                f"(others' votes: {rate:.0%})",
                min(1.0, p_value),
            ))
    return found


def _crowd_win_rates(
    *, annotator: Annotator, contender_ids: list[int], minimum: int
) -> dict[int, float]:
    """How often everybody else's valid votes pick each contender: a strong model is
    expected to win often, so only preference beyond the crowd's is suspicious."""
    if not contender_ids:
        return {}
    rows = (
        Vote.objects.filter(is_valid=True, battle__mode=BattleMode.ANONYMOUS,
                            choice__in=["a", "b"])
        .filter(Q(battle__contender_a_id__in=contender_ids)
                | Q(battle__contender_b_id__in=contender_ids))
        .exclude(annotator=annotator)
        .values_list("choice", "battle__contender_a_id", "battle__contender_b_id")
    )
    seen: Counter[int] = Counter()
    won: Counter[int] = Counter()
    for choice, a, b in rows:
        seen.update((a, b))
        won[a if choice == "a" else b] += 1
    return {
        c: min(0.95, max(0.05, (won[c] + 1) / (seen[c] + 2)))
        for c in contender_ids if seen[c] >= minimum
    }


def annotator_scan(*, annotator: Annotator) -> list[Flag]:
    raised = []
    for anomaly in annotator_anomalies(annotator=annotator):
        if Flag.objects.filter(kind=FlagKind.ANNOTATOR, annotator=annotator,
                               reason=anomaly.reason, status=FlagStatus.OPEN).exists():
            continue
        raised.append(Flag.objects.create(
            kind=FlagKind.ANNOTATOR, annotator=annotator, reason=anomaly.reason,
            source="vote_patterns", detail=f"{anomaly.detail} (p = {anomaly.p_value:.2g})",
        ))
    return raised


def annotators_scan_recent(*, hours: int = 24) -> int:
    since = timezone.now() - timedelta(hours=hours)
    ids = Vote.objects.filter(created_at__gte=since).values_list("annotator_id", flat=True)
    return sum(
        len(annotator_scan(annotator=annotator))
        for annotator in Annotator.objects.filter(id__in=ids.distinct())
    )
