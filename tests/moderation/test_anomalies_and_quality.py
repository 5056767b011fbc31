"""Vote-pattern anomalies (binomial tests) and the quality signals moderators see."""

from __future__ import annotations

from typing import Any

import pytest

from annotators.services.quality import annotator_quality
from battles.models import Battle, Contender
from moderation.models import Flag
from moderation.services.anomalies import (
    annotator_scan,
    annotators_scan_recent,
    binomial_two_sided_p,
)
from tests.factories import annotator_create, arena_create, battle_ready, contender_create
from tests.moderation.helpers import vote_cast

pytestmark = pytest.mark.django_db


def test_the_binomial_test_matches_known_values() -> None:
    assert binomial_two_sided_p(5, 10) == pytest.approx(1.0)
    assert binomial_two_sided_p(9, 10) == pytest.approx(0.021484375)
    assert binomial_two_sided_p(0, 20) == pytest.approx(2 * 0.5**20)


def _battles(annotator: Any, arena: Any, first: Contender, second: Contender,
             count: int) -> list[Battle]:
    battles = []
    for index in range(count):
        battle = battle_ready(annotator=annotator, arena=arena)
        a, b = (first, second) if index % 2 else (second, first)
        Battle.objects.filter(id=battle.id).update(contender_a=a, contender_b=b)
        battle.refresh_from_db()
        battles.append(battle)
    return battles


def test_a_persistent_one_sided_preference_is_flagged_once(settings: Any) -> None:
    settings.MODERATION_ANOMALY_MIN_VOTES = 10
    arena = arena_create()
    pet, other = contender_create(arena=arena, name="Pet"), contender_create(arena=arena)
    fan = annotator_create()
    for battle in _battles(fan, arena, pet, other, 24):
        vote_cast(battle, "a" if battle.contender_a_id == pet.id else "b")
    flags = annotator_scan(annotator=fan)
    assert [f.reason for f in flags] == ["one_sided_preference"]
    assert "Pet won 24 of its 24" in flags[0].detail
    assert annotator_scan(annotator=fan) == []
    assert annotators_scan_recent() == 0


def test_always_voting_for_side_a_is_flagged_and_balanced_voting_is_not(settings: Any) -> None:
    settings.MODERATION_ANOMALY_MIN_VOTES = 10
    arena = arena_create()
    first, second = contender_create(arena=arena), contender_create(arena=arena)
    lazy, fair = annotator_create(), annotator_create()
    for battle in _battles(lazy, arena, first, second, 24):
        vote_cast(battle, "a")
    for index, battle in enumerate(_battles(fair, arena, first, second, 24)):
        vote_cast(battle, "ab"[index % 3 == 0])
    assert annotators_scan_recent() == 1
    assert Flag.objects.get().annotator_id == lazy.id
    assert Flag.objects.get().reason == "side_bias"


def test_quality_signals() -> None:
    arena = arena_create()
    good = contender_create(arena=arena)
    broken = contender_create(arena=arena, params={"style": "concise", "gold_broken": True})
    crowd = [annotator_create() for _ in range(3)]
    for annotator in crowd:
        for battle in _battles(annotator, arena, good, broken, 2):
            vote_cast(battle, "a" if battle.contender_a_id == good.id else "b")
    alice = annotator_create()
    battles = _battles(alice, arena, good, broken, 4)
    vote_cast(battles[0], "a" if battles[0].contender_a_id == good.id else "b", seconds_after=4)
    vote_cast(battles[1], "a" if battles[1].contender_a_id == broken.id else "b",
              seconds_after=6)
    vote_cast(battles[2], "tie", seconds_after=8)
    vote_cast(battles[3], "both_bad", seconds_after=30)
    quality = annotator_quality(annotator=alice)
    assert quality.votes == 4
    assert quality.median_seconds_to_vote == pytest.approx(7, abs=0.5)
    assert quality.tie_share == 0.5
    assert (quality.consensus_votes, quality.consensus_agreement) == (2, 0.5)
    assert (quality.gold_battles, quality.gold_passed, quality.gold_pass_rate) == (4, 1, 0.25)


def test_a_vote_faster_than_reading_is_flagged() -> None:
    battle = battle_ready(annotator=annotator_create())
    vote = vote_cast(battle, seconds_after=0.2)
    flag = Flag.objects.get()
    assert (flag.kind, flag.reason, flag.vote_id) == ("vote", "too_fast", vote.id)
    assert vote.is_valid


def test_preferring_what_the_crowd_prefers_is_not_suspicious(settings: Any) -> None:
    settings.MODERATION_ANOMALY_MIN_VOTES = 10
    arena = arena_create()
    strong, weak = contender_create(arena=arena, name="Strong"), contender_create(arena=arena)
    for annotator in [annotator_create() for _ in range(3)]:
        for battle in _battles(annotator, arena, strong, weak, 12):
            vote_cast(battle, "a" if battle.contender_a_id == strong.id else "b")
    fan = annotator_create()
    for battle in _battles(fan, arena, strong, weak, 24):
        vote_cast(battle, "a" if battle.contender_a_id == strong.id else "b")
    assert annotator_scan(annotator=fan) == []
