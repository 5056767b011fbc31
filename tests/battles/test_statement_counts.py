"""The two hot paths stay a few statements long: a vote over HTTP, and a battle start as the
WebSocket runs it up to the providers' first call. Each count includes the SAVEPOINT and
RELEASE that the test's own transaction turns BEGIN and COMMIT into."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import async_to_sync

from annotators.services.standing import annotator_load_current
from battles.models import Arena, BattleState, Vote
from battles.services import battle_start
from battles.sides.plan import plans_for
from tests.factories import (
    annotator_create,
    arena_create,
    battle_ready,
    client_for,
    contender_create,
)

pytestmark = pytest.mark.django_db


def test_it_stores_a_vote_in_ten_statements(django_assert_max_num_queries) -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    client = client_for(alice)
    payload = {"choice": "a", "idempotency_key": uuid.uuid4().hex}

    # annotator with terms, retry check for the rate limit, lock with arena and contenders,
    # exclusions and last token, INSERT, the ranking row (measures, INSERT), UPDATE, and the
    # transaction's two.
    with django_assert_max_num_queries(10):
        response = client.post(f"/api/battles/{battle.id}/vote", data=json.dumps(payload),
                               content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json()["reveal"]["a"]["name"].startswith(battle.contender_a.name)
    assert Vote.objects.get(battle=battle).is_valid
    battle.refresh_from_db()
    assert battle.state == BattleState.VOTED


def test_it_starts_a_battle_in_eight_statements(django_assert_max_num_queries) -> None:
    alice = annotator_create()
    arena = arena_create()
    for _ in range(3):
        contender_create(arena=arena)

    # annotator with terms, arena, contenders, battle, turn, both generations in one INSERT,
    # and the transaction's two; the side plans come from the rows just written.
    with django_assert_max_num_queries(8):
        annotator = annotator_load_current(alice.id)
        started = battle_start(
            arena=Arena.objects.get(slug=arena.slug), annotator=annotator, prompt="Explain TCP"
        )
        plans = async_to_sync(plans_for)(started)

    assert [plan.side for plan in plans] == ["a", "b"]
    assert [plan.messages[0].content for plan in plans] == ["Explain TCP", "Explain TCP"]
    assert {plans[0].contender_id, plans[1].contender_id} == {
        started.battle.contender_a_id, started.battle.contender_b_id
    }
