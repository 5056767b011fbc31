from __future__ import annotations

import threading

import pytest
from django.db import connection

from battles.models import BattleState, Vote
from battles.services import ArenaError, vote_submit
from battles.services.errors import Conflict, Forbidden
from tests.factories import annotator_create, arena_create, battle_ready

pytestmark = pytest.mark.django_db


def test_it_stores_the_vote_and_closes_the_battle() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    vote = vote_submit(battle_id=battle.id, annotator=alice, choice="a",
                       rationale="  clearer  ", idempotency_key="key-00000001")
    battle.refresh_from_db()
    assert battle.state == BattleState.VOTED
    assert vote.rationale == "clearer"
    assert Vote.objects.count() == 1


def test_it_counts_a_retried_vote_once() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    first = vote_submit(battle_id=battle.id, annotator=alice, choice="b",
                        idempotency_key="retry-key-1")
    again = vote_submit(battle_id=battle.id, annotator=alice, choice="b",
                        idempotency_key="retry-key-1")
    assert first.pk == again.pk
    assert Vote.objects.count() == 1


def test_it_refuses_a_second_vote_with_a_new_key() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    vote_submit(battle_id=battle.id, annotator=alice, choice="tie", idempotency_key="first-key")
    with pytest.raises(Conflict) as error:
        vote_submit(battle_id=battle.id, annotator=alice, choice="a", idempotency_key="second-key")
    assert error.value.code == "already_voted"
    assert Vote.objects.get().choice == "tie"


def test_it_refuses_another_annotators_battle() -> None:
    alice, bob = annotator_create(), annotator_create()
    battle = battle_ready(annotator=alice)
    with pytest.raises(Forbidden):
        vote_submit(battle_id=battle.id, annotator=bob, choice="a", idempotency_key="bob-key-01")
    assert not Vote.objects.exists()


@pytest.mark.parametrize("state", [BattleState.STREAMING, BattleState.FAILED])
def test_it_refuses_a_vote_before_both_sides_finished(state: str) -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    battle.state = state
    battle.save()
    with pytest.raises(Conflict):
        vote_submit(battle_id=battle.id, annotator=alice, choice="a", idempotency_key="early-key")
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("choice", "rationale", "key", "code"),
    [
        ("c", "", "good-key-1", "choice_invalid"),
        ("A", "", "good-key-1", "choice_invalid"),
        ("a", "x" * 5000, "good-key-1", "rationale_too_long"),
        ("a", 42, "good-key-1", "rationale_invalid"),
        ("a", "", "short", "key_invalid"),
        ("a", "", "bad key with spaces", "key_invalid"),
    ],
)
def test_it_rejects_malformed_votes(choice: str, rationale: object, key: str, code: str) -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    with pytest.raises(ArenaError) as error:
        vote_submit(battle_id=battle.id, annotator=alice, choice=choice, rationale=rationale,
                    idempotency_key=key)
    assert error.value.code == code
    battle.refresh_from_db()
    assert battle.state == BattleState.READY


def test_it_requires_a_rationale_when_the_arena_asks_for_one() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice, arena=arena_create(require_rationale=True))
    with pytest.raises(ArenaError) as error:
        vote_submit(battle_id=battle.id, annotator=alice, choice="a", idempotency_key="need-why-1")
    assert error.value.code == "rationale_required"
    vote_submit(battle_id=battle.id, annotator=alice, choice="a", rationale="more precise",
                idempotency_key="need-why-2")
    assert Vote.objects.count() == 1


def test_it_refuses_a_key_reused_for_another_battle() -> None:
    alice = annotator_create()
    first, second = battle_ready(annotator=alice), battle_ready(annotator=alice)
    vote_submit(battle_id=first.id, annotator=alice, choice="a", idempotency_key="shared-key")
    with pytest.raises(Conflict) as error:
        vote_submit(battle_id=second.id, annotator=alice, choice="a", idempotency_key="shared-key")
    assert error.value.code == "key_reused"


def test_it_refuses_annotators_without_consent() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    alice.consent_version = None
    alice.save()
    with pytest.raises(Forbidden):
        vote_submit(battle_id=battle.id, annotator=alice, choice="a", idempotency_key="no-consent")


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_vote_when_retries_race() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    results: list[object] = []

    def submit() -> None:
        try:
            results.append(vote_submit(battle_id=battle.id, annotator=alice, choice="a",
                                       idempotency_key="racing-key"))
        except Exception as error:  # collected and asserted below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Vote.objects.count() == 1
    assert all(isinstance(result, Vote) for result in results), results


def test_it_refuses_a_key_reused_with_another_choice_and_keeps_the_stored_vote() -> None:
    """Issue #15: the same key with a different choice answered 200 with the old vote, so the
    client believed its new choice was stored."""
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    vote_submit(battle_id=battle.id, annotator=alice, choice="a", idempotency_key="same-key-1")
    with pytest.raises(Conflict) as error:
        vote_submit(battle_id=battle.id, annotator=alice, choice="b", idempotency_key="same-key-1")
    assert error.value.code == "key_reused"
    assert "different choice" in error.value.message
    assert Vote.objects.get().choice == "a"


def test_the_api_answers_a_reused_key_with_another_choice_with_409() -> None:
    from tests.factories import client_for
    from tests.moderation.helpers import vote_via_api

    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    client = client_for(alice)
    assert vote_via_api(client, battle, key="api-key-0001", choice="a").status_code == 200
    assert vote_via_api(client, battle, key="api-key-0001", choice="a").status_code == 200
    conflict = vote_via_api(client, battle, key="api-key-0001", choice="both_bad")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "key_reused" and conflict.json()["message"]
    assert "reveal" not in conflict.json()
    assert Vote.objects.get().choice == "a"
