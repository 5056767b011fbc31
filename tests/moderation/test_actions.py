"""Moderator actions: invalidations reach the leaderboard; bans and shadow-bans hold everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from annotators.models import Annotator, AnnotatorStatus
from arena.asgi import application
from battles.models import Battle, Vote
from moderation.models import AuditEntry, Exclusion, Flag, FlagStatus
from moderation.selectors import excluded_vote_counts
from moderation.services.actions import (
    annotator_ban,
    annotator_reinstate,
    annotator_shadow_ban,
    flag_dismiss,
    vote_invalidate,
)
from moderation.signals import votes_invalidated
from tests.factories import annotator_create, arena_create, battle_ready, client_for
from tests.moderation.helpers import user_create, vote_cast, vote_via_api, ws_headers


@pytest.fixture
def recompute(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Record both hooks: the signal and the leaderboard's recompute queue."""
    calls: dict[str, list[Any]] = {"signal": [], "recompute": []}

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls["signal"].append((kwargs["arena_ids"], kwargs["reason"]))

    votes_invalidated.connect(receiver, dispatch_uid="test-actions")
    import leaderboard.services.triggers as triggers

    monkeypatch.setattr(triggers, "recompute_queue",
                        lambda *, arena_id, part="plain": calls["recompute"].append(arena_id))
    yield calls
    votes_invalidated.disconnect(dispatch_uid="test-actions")


@pytest.mark.django_db
def test_invalidating_a_vote_flips_it_records_why_and_queues_a_recompute(
    recompute: dict[str, list[Any]], django_capture_on_commit_callbacks: Any
) -> None:
    moderator = user_create()
    battle = battle_ready(annotator=annotator_create())
    vote = vote_cast(battle)
    with django_capture_on_commit_callbacks(execute=True):
        assert vote_invalidate(vote=vote, actor=moderator, note="spam") == 1
    assert Vote.objects.get(id=vote.id).is_valid is False
    assert recompute == {"signal": [([battle.arena_id], "moderator")],
                         "recompute": [battle.arena_id]}
    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.action, entry.target_id) == (
        moderator.username, "vote_invalidate", str(vote.id)
    )
    assert excluded_vote_counts(arena=battle.arena) == {"moderator": 1}


@pytest.mark.django_db
def test_a_ban_can_keep_or_drop_past_votes(recompute: dict[str, list[Any]],
                                           django_capture_on_commit_callbacks: Any) -> None:
    arena = arena_create()
    keeper, dropper = annotator_create(), annotator_create()
    kept = vote_cast(battle_ready(annotator=keeper, arena=arena))
    dropped = [vote_cast(battle_ready(annotator=dropper, arena=arena)) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        annotator_ban(annotator=keeper, actor=None, invalidate_votes=False)
        annotator_ban(annotator=dropper, actor=None, invalidate_votes=True, note="bot")
    assert Vote.objects.get(id=kept.id).is_valid is True
    assert not Vote.objects.filter(id__in=[v.id for v in dropped], is_valid=True).exists()
    assert recompute["recompute"] == [arena.id]
    assert excluded_vote_counts(arena=arena) == {"banned": 2}
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "annotator_ban", "annotator_ban"
    ]


@pytest.mark.django_db
def test_a_banned_annotator_cannot_vote_through_the_api() -> None:
    mallory = annotator_create()
    battle = battle_ready(annotator=mallory)
    annotator_ban(annotator=mallory, actor=None)
    response = vote_via_api(client_for(mallory), battle)
    assert response.status_code == 403
    assert response.json()["code"] == "banned"
    assert "banned" in response.json()["message"]
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_a_shadow_banned_annotator_sees_no_difference_but_does_not_count() -> None:
    eve = annotator_create()
    battle = battle_ready(annotator=eve)
    annotator_shadow_ban(annotator=eve, actor=None)
    response = vote_via_api(client_for(eve), battle)
    assert response.status_code == 200
    assert set(response.json()) == {"battle_id", "vote", "reveal"}
    assert Vote.objects.get().is_valid is False
    assert Exclusion.objects.get().reason == "shadow_banned"
    annotator_reinstate(annotator=eve, actor=None)
    assert Annotator.objects.get(id=eve.id).status == AnnotatorStatus.ACTIVE
    assert vote_via_api(client_for(eve), battle_ready(annotator=eve)).status_code == 200
    assert Vote.objects.filter(is_valid=True).count() == 1


@pytest.mark.django_db
def test_dismissing_a_false_identity_leak_restores_the_vote() -> None:
    from moderation.services.screening import turn_screen

    battle = battle_ready(annotator=annotator_create())
    battle.turns.update(prompt="who are you")
    (flag,) = turn_screen(turn_id=battle.turns.get().id)
    vote = vote_cast(battle)
    assert vote.is_valid is False
    flag_dismiss(flag=flag, actor=None, note="asked about a film character")
    assert Vote.objects.get(id=vote.id).is_valid is True
    assert Flag.objects.get().status == FlagStatus.DISMISSED


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(30)
async def test_a_banned_annotator_is_refused_at_connect_and_at_start() -> None:
    def setup() -> tuple[Annotator, str]:
        mallory = annotator_create()
        return mallory, arena_create().slug

    mallory, slug = await database_sync_to_async(setup)()
    communicator = WebsocketCommunicator(application, "/ws/battle/", headers=ws_headers(mallory))
    await communicator.connect()
    await database_sync_to_async(annotator_ban)(annotator=mallory, actor=None)
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "hi"})
    message = await communicator.receive_json_from(timeout=10)
    assert (message["type"], message["code"]) == ("error", "banned")
    await communicator.disconnect()

    again = WebsocketCommunicator(application, "/ws/battle/", headers=ws_headers(mallory))
    await again.connect()
    message = await again.receive_json_from(timeout=10)
    assert (message["code"], "banned" in message["message"]) == ("banned", True)
    closed = await again.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    assert await database_sync_to_async(Battle.objects.count)() == 0
