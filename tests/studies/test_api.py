"""/api/studies through the real request path: roles, upload, annotator next/judgement."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotators.roles import Role, user_grant_role
from studies.models import SlotState, Study, StudyItem, StudySlot
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.studies.factories import study_ready

pytestmark = pytest.mark.django_db


def _researcher() -> Client:
    user = User.objects.create_user("alice", password="x" * 16)
    user_grant_role(user, Role.RESEARCHER)
    client = Client()
    client.force_login(user)
    return client


def test_a_researcher_sets_up_a_study_and_uploads_its_prompts() -> None:
    arena = arena_create(slug="chat")
    for _ in range(3):
        contender_create(arena=arena)
    client = _researcher()
    made = client.post("/api/studies", {"slug": "tides", "title": "Tides", "arena": "chat",
                                        "k": 3, "vote_format": "rank", "overlap": 2},
                       content_type="application/json")
    assert made.status_code == 201, made.json()
    upload = SimpleUploadedFile("prompts.csv", b"text,language\nWhy tides?,en\nPourquoi?,fr\n")
    answer = client.post("/api/studies/tides/prompt-set", {"file": upload})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["added"] == 2 and answer.json()["progress"]["pending"] == 2
    bad = client.post("/api/studies/tides/prompt-set",
                      {"file": SimpleUploadedFile("p.jsonl", b'{"text": "ok"}\n{"txt": 1}\n')})
    assert bad.status_code == 400 and bad.json()["code"] == "prompt_set_invalid"
    assert "line 2: unknown field(s) txt" in bad.json()["message"]
    assert StudyItem.objects.filter(study__slug="tides").count() == 2


def test_only_researchers_set_studies_up() -> None:
    arena_create(slug="chat2")
    user = User.objects.create_user("bob", password="x" * 16)
    client = Client()
    client.force_login(user)
    answer = client.post("/api/studies", {"slug": "x", "title": "X", "arena": "chat2"},
                         content_type="application/json")
    assert answer.status_code == 403
    assert not Study.objects.exists()


def test_an_annotator_gets_an_item_without_identities_and_judges_it() -> None:
    study = study_ready(items=2, k=2, aspects=[])
    alice = annotator_create()
    client = client_for(alice)
    item = client.post(f"/api/studies/{study.slug}/next").json()["item"]
    assert item["n"] == 1 and item["of"] == 2 and len(item["candidates"]) == 2
    body = str(item)
    for contender in study.arena.contenders.all():
        assert contender.name not in body and contender.slug not in body
    again = client.post(f"/api/studies/{study.slug}/next").json()["item"]
    assert again["slot"] == item["slot"]  # a reload resumes the same item
    stored = client.post(f"/api/studies/{study.slug}/slots/{item['slot']}/judgement",
                         {"ranking": [1], "explanation": "clearer"},
                         content_type="application/json")
    assert stored.status_code == 200 and stored.json()["reveal"] is None
    following = client.post(f"/api/studies/{study.slug}/next").json()["item"]
    assert following["n"] == 2 and following["slot"] != item["slot"]


def test_a_skip_through_the_api_moves_on_and_frees_the_slot() -> None:
    study = study_ready(items=2, k=2, aspects=[])
    client = client_for(annotator_create())
    item = client.post(f"/api/studies/{study.slug}/next").json()["item"]
    skipped = client.post(f"/api/studies/{study.slug}/slots/{item['slot']}/judgement",
                          {"skip_reason": "I can't judge this"}, content_type="application/json")
    assert skipped.status_code == 200 and skipped.json()["stored"] is True
    assert StudySlot.objects.get(pk=item["slot"]).state == SlotState.OPEN
    following = client.post(f"/api/studies/{study.slug}/next").json()["item"]
    assert following is not None and following["slot"] != item["slot"]
    client.post(f"/api/studies/{study.slug}/slots/{following['slot']}/judgement",
                {"ranking": [0]}, content_type="application/json")
    assert client.post(f"/api/studies/{study.slug}/next").json()["item"] is None


def test_an_invitation_study_needs_its_link_and_consent_comes_first() -> None:
    study = study_ready(items=1, pool="invite")
    client = client_for(annotator_create())
    assert client.post(f"/api/studies/{study.slug}/next").status_code == 403
    ok = client.post(f"/api/studies/{study.slug}/next?invite={study.invite_token}")
    assert ok.status_code == 200 and ok.json()["item"] is not None
    newcomer = client_for(annotator_create(consented=False))
    assert newcomer.post(f"/api/studies/{study.slug}/next?invite={study.invite_token}"
                         ).status_code == 401


def test_a_slot_is_written_only_through_its_own_study() -> None:
    """Admission to an open study does not carry over to a slot of another study: a judgement,
    skip or exposure report naming a slot of study B under study A's URL is refused."""
    open_study = study_ready(items=1)
    invited = study_ready(items=1, pool="invite")
    client = client_for(annotator_create())
    held = client.post(f"/api/studies/{invited.slug}/next?invite={invited.invite_token}").json()
    slot = held["item"]["slot"]
    for body in ({"ranking": [0]}, {"skip_reason": "no"}):
        wrong = client.post(f"/api/studies/{open_study.slug}/slots/{slot}/judgement", body,
                            content_type="application/json")
        assert wrong.status_code == 409 and wrong.json()["code"] == "not_assigned"
    wrong = client.post(f"/api/studies/{open_study.slug}/slots/{slot}/exposure",
                        {"events": []}, content_type="application/json")
    assert wrong.status_code == 409
    assert StudySlot.objects.get(pk=slot).state == SlotState.ASSIGNED
    right = client.post(f"/api/studies/{invited.slug}/slots/{slot}/judgement?invite="
                        f"{invited.invite_token}", {"ranking": [0]},
                        content_type="application/json")
    assert right.status_code == 200
