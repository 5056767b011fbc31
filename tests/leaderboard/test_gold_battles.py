"""Gold battles (one side deliberately broken) check annotators and never rank."""

from __future__ import annotations

import pytest

from annotators.services.quality import annotator_quality
from battles.contender_pick import contenders_selectable
from leaderboard.selectors import leaderboard_latest
from leaderboard.services import leaderboard_recompute
from tests.factories import annotator_create, arena_create, contender_create
from tests.leaderboard.conftest import Cast

pytestmark = pytest.mark.django_db


def test_gold_battles_score_annotators_and_stay_off_the_leaderboard(cast: Cast) -> None:
    arena = arena_create()
    good, fair = contender_create(arena=arena), contender_create(arena=arena)
    broken = contender_create(arena=arena, params={"style": "broken", "gold_broken": True})
    careful, careless = annotator_create(), annotator_create()
    cast(arena=arena, annotator=careful, a=good, b=fair, choice="a", n=20)
    cast(arena=arena, annotator=careful, a=broken, b=good, choice="b", n=4)
    cast(arena=arena, annotator=careless, a=broken, b=fair, choice="a", n=3)

    leaderboard_recompute(arena_id=arena.id)
    snapshot = leaderboard_latest(arena=arena, category="overall", style_control=False)
    assert snapshot is not None and snapshot.num_votes == 20
    assert snapshot.excluded["gold"] == 7
    assert broken.name not in {row["name"] for row in snapshot.result["rows"]}
    assert annotator_quality(annotator=careful).gold_pass_rate == 1.0
    assert annotator_quality(annotator=careless).gold_pass_rate == 0.0
    assert contenders_selectable(arena=arena) == sorted([good, fair], key=lambda c: c.name)
