"""The personal page: battles and votes, consent, demographics, and deleting one's data."""

from __future__ import annotations

import pytest

from annotators.models import Annotator
from battles.models import Generation, Turn, Vote
from moderation.models import AuditEntry, Flag
from moderation.selectors import excluded_vote_counts
from tests.factories import annotator_create, battle_ready, client_for
from tests.moderation.helpers import user_create, vote_cast

pytestmark = pytest.mark.django_db


def test_it_lists_the_persons_own_battles_only() -> None:
    alice, bob = annotator_create(), annotator_create()
    battle_ready(annotator=alice).turns.update(prompt="alice asks about owls")
    battle_ready(annotator=bob).turns.update(prompt="bob asks about bats")
    page = client_for(alice).get("/me/")
    assert b"alice asks about owls" in page.content and b"bats" not in page.content
    assert b"Nothing is stored" in client_for(None).get("/me/").content


def test_each_battle_links_back_to_its_page_and_an_open_one_asks_for_the_vote() -> None:
    alice = annotator_create()
    open_battle = battle_ready(annotator=alice)
    voted = battle_ready(annotator=alice)
    Vote.objects.create(battle=voted, annotator=alice, choice="a", idempotency_key="me-voted-1")
    voted.state = "voted"
    voted.save()
    page = client_for(alice).get("/me/").content.decode()
    assert f'/a/{open_battle.arena.slug}/?battle={open_battle.id}">Not yet: vote now' in page
    assert f'/a/{voted.arena.slug}/?battle={voted.id}">Hello?' in page
    assert f'?battle={voted.id}">Not yet' not in page


def test_consent_and_demographics_can_be_changed_and_withdrawn() -> None:
    alice = annotator_create()
    client = client_for(alice)
    client.post("/me/", {"section": "consent", "release": "yes"})
    client.post("/me/", {"section": "demographics", "opt_in": "yes", "age_band": "25-34",
                         "country": "br", "languages": "pt, en"})
    alice.refresh_from_db()
    assert alice.release_consent is True
    assert (alice.age_band, alice.country, alice.languages) == ("25-34", "BR", ["en", "pt"])
    bad = client.post("/me/", {"section": "demographics", "opt_in": "yes", "country": "Brazil"})
    assert bad.status_code == 400 and b"two-letter" in bad.content
    client.post("/me/", {"section": "consent"})
    client.post("/me/", {"section": "demographics"})
    alice.refresh_from_db()
    assert alice.release_consent is False
    assert (alice.demographics_opt_in, alice.age_band, alice.country, alice.languages) == (
        False, "", "", []
    )


def test_delete_my_data_erases_content_excludes_votes_and_the_account() -> None:
    user = user_create()
    alice = annotator_create()
    Annotator.objects.filter(id=alice.id).update(user=user, release_consent=True,
                                                 demographics_opt_in=True, country="DE")
    battle = battle_ready(annotator=alice)
    battle.turns.update(prompt="my secret prompt")
    vote = vote_cast(battle)
    Vote.objects.filter(id=vote.id).update(rationale="my secret reason")
    Flag.objects.create(kind="prompt", reason="pii", source="pii", annotator=alice,
                        excerpt="my secret blocked prompt")
    other = battle_ready(annotator=annotator_create())
    client = client_for(alice)
    client.force_login(user)

    assert client.post("/me/delete/", {"confirm": "nope"}).status_code == 302
    response = client.post("/me/delete/", {"confirm": "delete"})

    assert response.status_code == 200
    assert response.cookies["arena_annotator"].value == ""
    assert not Turn.objects.filter(prompt__contains="secret").exists()
    assert not Generation.objects.filter(turn__battle=battle).exclude(text="").exists()
    assert Vote.objects.get(id=vote.id).rationale == ""
    assert Vote.objects.get(id=vote.id).is_valid is False
    assert excluded_vote_counts(arena=battle.arena) == {"deleted": 1}
    assert Flag.objects.get().excerpt == ""
    alice.refresh_from_db()
    assert alice.data_deleted_at is not None and alice.release_consent is False
    assert (alice.user_id, alice.country, alice.demographics_opt_in) == (None, "", False)
    assert not type(user).objects.filter(id=user.id).exists()
    assert AuditEntry.objects.get().action == "annotator_data_delete"
    assert Turn.objects.get(battle=other).prompt == "Hello?"
    refused = client_for(alice).post(f"/api/battles/{battle.id}/vote", {},
                                      content_type="application/json")
    assert refused.status_code in (403, 422)


def test_a_wrong_delete_confirmation_goes_back_to_the_full_page_whose_forms_still_save() -> None:
    alice = annotator_create()
    battle_ready(annotator=alice).turns.update(prompt="alice asks about owls")
    client = client_for(alice)

    response = client.post("/me/delete/", {"confirm": "nope"}, follow=True)

    assert response.redirect_chain == [("/me/", 302)]
    page = response.content.decode()
    assert "Nothing was deleted" in page and 'role="alert"' in page
    assert "alice asks about owls" in page  # the history is still there
    assert page.count('action="/me/"') == 2  # consent and demographics post to /me/ itself
    alice.refresh_from_db()
    assert alice.data_deleted_at is None
    client.post("/me/", {"section": "consent", "release": "yes"})
    alice.refresh_from_db()
    assert alice.release_consent is True
