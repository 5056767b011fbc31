"""The moderator pages: moderators only, actions audited, the audit log unchangeable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client

from annotators.models import AnnotatorStatus
from annotators.roles import Role
from battles.models import Vote
from moderation.models import AuditEntry, Flag, FlagKind
from moderation.services.audit import audit_record
from tests.factories import annotator_create, battle_ready
from tests.moderation.helpers import moderator_client, user_create, vote_cast

pytestmark = pytest.mark.django_db


def _endpoints(flag: Flag) -> list[tuple[str, str]]:
    annotator = flag.annotator_id
    return [
        ("get", "/moderation/"),
        ("get", "/moderation/?kind=prompt"),
        ("post", f"/moderation/flags/{flag.id}/"),
        ("get", f"/moderation/annotators/{annotator}/"),
        ("post", f"/moderation/annotators/{annotator}/action/"),
        ("get", "/moderation/audit/"),
    ]


def _flag() -> Flag:
    annotator = annotator_create()
    battle = battle_ready(annotator=annotator)
    return Flag.objects.create(kind=FlagKind.OUTPUT, reason="pii", source="pii",
                               annotator=annotator, battle=battle,
                               turn=battle.turns.get(), excerpt="leaked secret text")


@pytest.mark.parametrize("who", ["anonymous", "user", "researcher"])
def test_everybody_but_moderators_gets_403_everywhere(who: str) -> None:
    flag = _flag()
    client = Client()
    if who != "anonymous":
        client.force_login(user_create(role=Role.RESEARCHER if who == "researcher" else None))
    for method, url in _endpoints(flag):
        response = getattr(client, method)(url, {"action": "ban"})
        assert response.status_code == 403, (who, method, url)
    assert flag.annotator.status == AnnotatorStatus.ACTIVE  # type: ignore[union-attr]
    assert not AuditEntry.objects.exists()


def test_moderators_and_admins_see_the_queue() -> None:
    flag = _flag()
    client, _ = moderator_client()
    for method, url in _endpoints(flag):
        if method == "get":
            assert client.get(url).status_code == 200, url
    assert b"leaked secret text" in client.get("/moderation/").content
    admin = Client()
    admin.force_login(user_create(role=Role.ADMIN))
    assert admin.get("/moderation/").status_code == 200


def test_a_moderator_bans_from_the_queue_and_the_action_is_audited() -> None:
    flag = _flag()
    vote = vote_cast(flag.battle)  # type: ignore[arg-type]
    client, moderator = moderator_client()
    response = client.post(f"/moderation/flags/{flag.id}/",
                           {"action": "ban", "invalidate_votes": "yes", "note": "spammer"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "actioned"
    assert flag.annotator.status == AnnotatorStatus.BANNED  # type: ignore[union-attr]
    assert Vote.objects.get(id=vote.id).is_valid is False
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.action, entry.detail["votes_invalidated"]) == (
        moderator.id, "annotator_ban", 1
    )
    page = client.get("/moderation/audit/")
    assert b"annotator_ban" in page.content and moderator.username.encode() in page.content


def test_other_queue_actions() -> None:
    client, _ = moderator_client()
    hide, dismiss, invalidate, shadow = _flag(), _flag(), _flag(), _flag()
    vote = vote_cast(invalidate.battle)  # type: ignore[arg-type]
    client.post(f"/moderation/flags/{hide.id}/", {"action": "hide"})
    client.post(f"/moderation/flags/{dismiss.id}/", {"action": "dismiss"})
    client.post(f"/moderation/flags/{invalidate.id}/", {"action": "invalidate_vote"})
    client.post(f"/moderation/flags/{shadow.id}/", {"action": "shadow_ban"})
    assert Vote.objects.get(id=vote.id).is_valid is False
    shadow.annotator.refresh_from_db()  # type: ignore[union-attr]
    assert shadow.annotator.status == AnnotatorStatus.SHADOW_BANNED  # type: ignore[union-attr]
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "annotator_shadow_ban", "content_hide", "flag_dismiss", "vote_invalidate"
    ]
    assert not Flag.objects.filter(status="open").exists()


def test_the_audit_log_cannot_be_edited_through_the_site_or_the_model() -> None:
    entry = audit_record(actor=None, action="annotator_ban", target_type="annotator",
                         target_id="x")
    client, _ = moderator_client()
    assert client.post("/moderation/audit/", {"action": "x"}).status_code == 405
    superuser = Client()
    superuser.force_login(User.objects.create_superuser("root", password="pw-long-enough-1"))
    admin_url = f"/admin/moderation/auditentry/{entry.id}/"
    assert superuser.post(admin_url + "change/", {"action": "nothing"}).status_code == 403
    assert superuser.post(admin_url + "delete/", {"post": "yes"}).status_code == 403
    entry.action = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(id=entry.id).update(action="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE moderation_auditentry SET action = 'rewritten'")
    assert AuditEntry.objects.get().action == "annotator_ban"


def test_hidden_content_leaves_the_owners_pages_too() -> None:
    """Hiding takes content out of releases and of the battle API the page restores from, and
    out of the owner's /me/ list; the rest of the battle still shows."""
    from tests.factories import client_for

    flag = _flag()
    battle, turn = flag.battle, flag.turn
    assert battle is not None and turn is not None and flag.annotator is not None
    answer_b = turn.generations.get(side="b")
    flag.generation = answer_b
    flag.save()
    moderator, _ = moderator_client()
    owner = client_for(flag.annotator)

    moderator.post(f"/moderation/flags/{flag.id}/", {"action": "hide"})
    detail = owner.get(f"/api/battles/{battle.id}").json()
    shown = detail["turns"][0]
    assert shown["prompt"] == "Hello?" and "Answer a" in shown["a"]["html"]
    assert shown["b"]["hidden"] is True and "Answer b" not in str(shown["b"])

    whole = Flag.objects.create(kind=FlagKind.PROMPT, reason="pii", source="pii",
                                annotator=flag.annotator, battle=battle, turn=turn, excerpt="x")
    moderator.post(f"/moderation/flags/{whole.id}/", {"action": "hide"})
    shown = owner.get(f"/api/battles/{battle.id}").json()["turns"][0]
    assert shown["prompt"] == "" and shown["prompt_hidden"] is True
    assert shown["a"]["hidden"] and "Answer a" not in str(shown["a"])
    me = owner.get("/me/").content.decode()
    assert "(hidden by a moderator)" in me and "Hello?" not in me
