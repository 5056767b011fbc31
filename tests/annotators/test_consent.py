from __future__ import annotations

import pytest

from annotators.models import Annotator
from tests.factories import annotator_create, arena_create, client_for, terms_publish

pytestmark = pytest.mark.django_db


def test_it_sends_a_first_visit_to_the_terms() -> None:
    terms_publish()
    arena = arena_create(slug="chat")
    response = client_for(None).get(f"/a/{arena.slug}/")
    assert response.status_code == 302
    assert response["Location"] == "/consent/?next=%2Fa%2Fchat%2F"


def test_it_records_consent_and_sets_a_signed_cookie() -> None:
    terms_publish(version=3)
    client = client_for(None)
    response = client.post("/consent/", {"agree": "yes", "version": "3", "release": "yes",
                                         "next": "/a/chat/"})
    assert response.status_code == 302
    assert response["Location"] == "/a/chat/"
    annotator = Annotator.objects.get()
    assert annotator.consent_version == 3
    assert annotator.release_consent is True
    assert str(annotator.id) in client.cookies["arena_annotator"].value


def test_it_asks_again_when_the_terms_change() -> None:
    alice = annotator_create()
    arena = arena_create()
    client = client_for(alice)
    assert client.get(f"/a/{arena.slug}/").status_code == 200
    terms_publish(version=2, body="New rules")
    assert client.get(f"/a/{arena.slug}/").status_code == 302
    page = client.get("/consent/")
    assert b"New rules" in page.content


def test_it_refuses_consent_to_a_replaced_version() -> None:
    terms_publish(version=1)
    terms_publish(version=2)
    response = client_for(None).post("/consent/", {"agree": "yes", "version": "1"})
    assert response.status_code == 400
    assert not Annotator.objects.exists()


def test_it_ignores_a_forged_cookie() -> None:
    terms_publish()
    arena = arena_create()
    alice = annotator_create()
    client = client_for(None)
    client.cookies["arena_annotator"] = f"{alice.id}:forged-signature"
    assert client.get(f"/a/{arena.slug}/").status_code == 302


def test_it_never_redirects_off_site_after_consent() -> None:
    terms_publish()
    response = client_for(None).post(
        "/consent/", {"agree": "yes", "version": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_it_lets_people_take_part_when_no_terms_are_published() -> None:
    arena = arena_create(slug="open")
    client = client_for(None)
    first = client.get("/a/open/")
    assert first.status_code == 302
    landing = client.get(first["Location"])
    assert landing.status_code == 302
    assert landing["Location"] == "/a/open/"
    assert client.get(f"/a/{arena.slug}/").status_code == 200
    assert Annotator.objects.count() == 1
