"""The JSON API: arenas, battle detail and the vote, with CSRF and ownership enforced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pytest
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from battles.models import BattleState, Vote
from tests.factories import annotator_create, arena_create, battle_ready, client_for

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


def _csrf(client: Client) -> str:
    """A CSRF cookie and the matching masked token, as the battle page hands them out."""
    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    return token


def _vote(
    client: Client, battle_id: object, payload: Mapping[str, object], csrf: str | None = None
) -> TestResponse:
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post(f"/api/battles/{battle_id}/vote", data=json.dumps(payload),
                       content_type="application/json", headers=headers)


def test_it_lists_active_arenas_with_their_page_url() -> None:
    arena_create(slug="chat", name="Chat")
    arena_create(slug="closed", name="Closed", is_active=False)
    response = client_for(None).get("/api/arenas")
    assert response.status_code == 200
    body = response.json()
    assert [a["slug"] for a in body] == ["chat"]
    assert body[0]["modality"] == "text"
    assert body[0]["url"] == "http://testserver/a/chat/"


def test_it_serves_an_openapi_schema() -> None:
    response = client_for(None).get("/api/schema")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/arenas" in paths
    assert "/api/battles/{battle_id}/vote" in paths


def test_it_hides_identities_until_the_vote_then_reveals_them() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    client = client_for(alice, enforce_csrf=True)
    before = client.get(f"/api/battles/{battle.id}")
    assert before.status_code == 200
    assert before.json()["reveal"] is None
    for secret in (battle.contender_a.name, battle.contender_b.slug,
                   battle.contender_a.organisation):
        assert secret not in before.content.decode()

    response = _vote(client, battle.id, {"choice": "b", "rationale": "better",
                                         "idempotency_key": "api-key-0001"}, _csrf(client))
    assert response.status_code == 200, response.content
    reveal = response.json()["reveal"]
    assert reveal["a"]["name"].startswith(battle.contender_a.name)
    assert reveal["b"]["organisation"] == battle.contender_b.organisation
    assert Vote.objects.get().rationale == "better"


def test_it_rejects_a_vote_without_the_csrf_token() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    client = client_for(alice, enforce_csrf=True)
    response = _vote(client, battle.id, {"choice": "a", "idempotency_key": "no-csrf-01"})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_it_counts_a_retried_http_vote_once() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    client = client_for(alice)
    payload = {"choice": "tie", "idempotency_key": "same-key-99"}
    first, second = _vote(client, battle.id, payload), _vote(client, battle.id, payload)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert Vote.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"choice": "maybe", "idempotency_key": "bad-choice-1"}, 400, "choice_invalid"),
        ({"choice": "a"}, 422, "invalid"),
        ({"choice": "a", "idempotency_key": "k" * 80}, 400, "key_invalid"),
    ],
)
def test_it_rejects_bad_votes_with_a_clear_error(payload: dict, status: int, code: str) -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    response = _vote(client_for(alice), battle.id, payload)
    assert response.status_code == status
    assert response.json()["code"] == code
    battle.refresh_from_db()
    assert battle.state == BattleState.READY


def test_it_refuses_votes_on_other_peoples_battles_and_unknown_ones() -> None:
    alice, bob = annotator_create(), annotator_create()
    battle = battle_ready(annotator=alice)
    payload = {"choice": "a", "idempotency_key": "intruder-1"}
    assert _vote(client_for(bob), battle.id, payload).status_code == 403
    assert client_for(bob).get(f"/api/battles/{battle.id}").status_code == 403
    unknown = "00000000-0000-0000-0000-000000000000"
    assert _vote(client_for(alice), unknown, payload).status_code == 404
    assert not Vote.objects.exists()


def test_it_asks_for_consent_without_a_cookie() -> None:
    battle = battle_ready(annotator=annotator_create())
    response = _vote(client_for(None), battle.id, {"choice": "a", "idempotency_key": "anon-key"})
    assert response.status_code == 401
    assert response.json()["code"] == "consent_required"


def test_it_refuses_a_second_vote_with_409() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    client = client_for(alice)
    _vote(client, battle.id, {"choice": "a", "idempotency_key": "first-vote"})
    response = _vote(client, battle.id, {"choice": "b", "idempotency_key": "second-vote"})
    assert response.status_code == 409
    assert response.json()["code"] == "already_voted"
