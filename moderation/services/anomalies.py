"""Vote patterns that chance explains badly, raised as annotator flags for review.

- side bias: decisive votes for side A vs B (sides are shuffled, so each is 1/2);
- one-sided preference: how often one contender wins the decisive votes it appears in
  (1/2 if the annotator judged the answers rather than the name), Bonferroni-corrected over
  the contenders tested.
Both use an exact two-sided binomial test; a flag needs `MODERATION_ANOMALY_MIN_VOTES` votes
and p below `MODERATION_ANOMALY_ALPHA`. A flag is not raised twice while one is open.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
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
    for contender_id in tested:
        k, m = wins[contender_id], appearances[contender_id]
        p_value = binomial_two_sided_p(k, m) * len(tested)
        if p_value < alpha:
            found.append(Anomaly(
                "one_sided_preference",
                f"{names.get(contender_id, contender_id)} won {k} of its {m} battles",
                min(1.0, p_value),
            ))
    return found


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
