"""Text with NUL, an unpaired surrogate or invalid UTF-8 is refused at the edge with a clear
400, wherever it comes in, and nothing is stored (arena/bad_input.py)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotators.models import Annotator, AnnotatorStatus
from battles.models import Battle, BattleState, Vote
from moderation.models import AuditEntry, Flag, FlagKind
from tests.factories import annotator_create, arena_create, battle_ready, client_for
from tests.moderation.helpers import moderator_client, user_create

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

BAD_TEXTS = ["before\x00after", "\ud800", "tail \udfff"]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _vote_raw(annotator: Annotator, battle: Battle, body: bytes | str) -> TestResponse:
    return client_for(annotator).post(f"/api/battles/{battle.id}/vote", data=body,
                                      content_type="application/json")


def _assert_api_refusal(response: TestResponse) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "bad_input" and body["message"]


@pytest.mark.parametrize("bad", BAD_TEXTS)
@pytest.mark.parametrize("field", ["rationale", "idempotency_key", "choice"])
def test_it_refuses_a_vote_with_bad_text_and_stores_nothing(
    alice: Annotator, field: str, bad: str
) -> None:
    battle = battle_ready(annotator=alice)
    payload = {"choice": "a", "rationale": "fine", "idempotency_key": "good-key-1", field: bad}
    _assert_api_refusal(_vote_raw(alice, battle, json.dumps(payload)))
    battle.refresh_from_db()
    assert battle.state == BattleState.READY and not Vote.objects.exists()


def test_it_refuses_bad_text_nested_anywhere_in_a_json_body(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    payload = {"choice": "a", "idempotency_key": "good-key-1",
               "extra": [{"deep": ["ok", {"key\x00": 1}]}]}
    _assert_api_refusal(_vote_raw(alice, battle, json.dumps(payload)))
    assert not Vote.objects.exists()


def test_it_refuses_a_body_that_is_not_utf8(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    body = b'{"choice": "a", "idempotency_key": "good-key-1", "rationale": "\xff\xfe"}'
    _assert_api_refusal(_vote_raw(alice, battle, body))
    assert not Vote.objects.exists()


def test_clean_text_of_any_script_still_votes(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    payload = {"choice": "b", "rationale": "Plus précis 😀 — 更好", "idempotency_key": "good-key-1"}
    response = _vote_raw(alice, battle, json.dumps(payload))
    assert response.status_code == 200, response.content
    assert Vote.objects.get().rationale == "Plus précis 😀 — 更好"


@pytest.mark.parametrize("url", [
    "/api/arenas/text/leaderboard?category=%00",
    "/api/arenas/text/leaderboard.csv?category=%00",
    "/api/arenas/text/leaderboard?category=a%00b&style_control=true",
    "/api/arenas/text%00/leaderboard",
    "/api/arenas/text%00",
    "/api/battles/%00",
    "/api/arenas?x=%ff",
])
def test_it_refuses_bad_text_in_api_addresses(url: str) -> None:
    arena_create(slug="text")
    _assert_api_refusal(Client().get(url))


@pytest.mark.parametrize("url", [
    "/a/text/leaderboard/?category=%00",
    "/a/text%00/",
    "/accounts/login/?next=%00",
])
def test_it_answers_a_plain_400_page_elsewhere(url: str) -> None:
    arena_create(slug="text")
    response = Client().get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "NUL character" in response.content.decode()


def test_it_refuses_bad_text_in_headers_and_cookies() -> None:
    arena_create(slug="text")
    assert Client().get("/api/arenas", headers={"X-Note": "a\x00b"}).status_code == 400
    client = Client()
    client.cookies["theme"] = "dark\udfff"
    _assert_api_refusal(client.get("/api/arenas"))


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_it_refuses_a_login_form_with_bad_text(encoding: str) -> None:
    user_create(name="alice")
    client = Client()
    data = {"username": "alice\x00", "password": "pw-long-enough-1"}
    if encoding == "multipart":
        response = client.post("/accounts/login/", data)
    else:
        response = client.post("/accounts/login/", "username=alice%00&password=pw-long-enough-1",
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert User.objects.get().last_login is None


def test_it_refuses_a_moderator_note_with_bad_text_and_changes_nothing() -> None:
    annotator = annotator_create()
    battle = battle_ready(annotator=annotator)
    flag = Flag.objects.create(kind=FlagKind.OUTPUT, reason="pii", source="pii",
                               annotator=annotator, battle=battle, turn=battle.turns.get())
    client, _ = moderator_client()
    response = client.post(f"/moderation/flags/{flag.id}/",
                           {"action": "ban", "note": "spam\x00mer"})
    assert response.status_code == 400
    flag.refresh_from_db()
    annotator.refresh_from_db()
    assert flag.status == "open" and annotator.status == AnnotatorStatus.ACTIVE
    assert not AuditEntry.objects.exists()

