"""Optional accounts: sign up, sign in (joining the cookie's history), sign out."""

from __future__ import annotations

import pytest
from django.test import Client

from annotators.cookies import annotator_id_from_cookie
from annotators.models import Annotator, AnnotatorStatus
from battles.models import Battle, Vote
from tests.factories import annotator_create, battle_ready, client_for
from tests.moderation.helpers import user_create, vote_cast

pytestmark = pytest.mark.django_db
PASSWORD = "pw-long-enough-1"


def _cookie_annotator(client: Client) -> Annotator:
    annotator_id = annotator_id_from_cookie(client.cookies["arena_annotator"].value)
    assert annotator_id is not None
    return Annotator.objects.get(id=annotator_id)


def test_signing_up_links_the_cookie_annotators_history() -> None:
    alice = annotator_create()
    battle_ready(annotator=alice)
    client = client_for(alice)
    response = client.post("/accounts/signup/", {"username": "alice", "password1": PASSWORD,
                                                 "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/me/"
    alice.refresh_from_db()
    assert alice.user is not None and alice.user.username == "alice"
    assert _cookie_annotator(client) == alice
    assert b"alice" in client.get("/me/").content


def test_signing_in_on_a_new_device_picks_up_the_account_and_merges_this_device() -> None:
    user = user_create(name="bob")
    account = annotator_create()
    Annotator.objects.filter(id=account.id).update(user=user)
    vote_cast(battle_ready(annotator=account))
    device = annotator_create()
    vote_cast(battle_ready(annotator=device))
    client = client_for(device)
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    assert _cookie_annotator(client).id == account.id
    assert not Annotator.objects.filter(id=device.id).exists()
    assert Battle.objects.filter(annotator=account).count() == 2
    assert Vote.objects.filter(annotator=account).count() == 2

    fresh = Client()
    fresh.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert _cookie_annotator(fresh).id == account.id


def test_signing_in_does_not_shake_off_a_ban() -> None:
    user = user_create(name="carol")
    account = annotator_create()
    Annotator.objects.filter(id=account.id).update(user=user)
    banned = annotator_create()
    Annotator.objects.filter(id=banned.id).update(status=AnnotatorStatus.BANNED)
    banned.refresh_from_db()
    client_for(banned).post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    account.refresh_from_db()
    assert account.status == AnnotatorStatus.BANNED


def test_wrong_passwords_and_signing_out() -> None:
    user_create(name="dave")
    client = Client()
    assert client.post("/accounts/login/", {"username": "dave", "password": "x"}).status_code == 200
    client.post("/accounts/login/", {"username": "dave", "password": PASSWORD})
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.cookies["arena_annotator"].value == ""
    assert client.get("/accounts/logout/").status_code == 405
