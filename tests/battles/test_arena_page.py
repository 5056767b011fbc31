"""The arena page offers back a finished battle still waiting for its annotator's vote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from battles.models import Battle, BattleMode, BattleState
from tests.factories import annotator_create, arena_create, battle_ready, client_for

pytestmark = pytest.mark.django_db

OFFER = "waiting for your vote"


def test_a_fresh_visit_offers_the_latest_unvoted_battle_of_this_arena_and_mode() -> None:
    alice, bob = annotator_create(), annotator_create()
    arena, elsewhere = arena_create(), arena_create()
    older = battle_ready(annotator=alice, arena=arena)
    latest = battle_ready(annotator=alice, arena=arena)
    Battle.objects.filter(id=older.id).update(created_at=timezone.now() - timedelta(hours=2))
    named = battle_ready(annotator=alice, arena=arena, mode=BattleMode.SIDE_BY_SIDE)

    page = client_for(alice).get(f"/a/{arena.slug}/").content.decode()
    assert OFFER in page and f'href="?battle={latest.id}"' in page
    side_by_side = client_for(alice).get(f"/a/{arena.slug}/side-by-side/").content.decode()
    assert f'href="?battle={named.id}"' in side_by_side

    assert OFFER not in client_for(bob).get(f"/a/{arena.slug}/").content.decode()
    assert OFFER not in client_for(alice).get(f"/a/{elsewhere.slug}/").content.decode()
    # The address already names a battle: the page restores that one instead.
    assert OFFER not in client_for(alice).get(f"/a/{arena.slug}/?battle={older.id}").content.decode()


def test_voted_failed_and_day_old_battles_are_not_offered() -> None:
    alice = annotator_create()
    arena = arena_create()
    for state in (BattleState.VOTED, BattleState.FAILED, BattleState.STREAMING):
        Battle.objects.filter(id=battle_ready(annotator=alice, arena=arena).id).update(state=state)
    stale = battle_ready(annotator=alice, arena=arena)
    Battle.objects.filter(id=stale.id).update(created_at=timezone.now() - timedelta(days=2))
    assert OFFER not in client_for(alice).get(f"/a/{arena.slug}/").content.decode()
