"""Sliding-window limits in Redis: exact under concurrency, clear messages on the API and socket."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from annotators.limits import RateLimited, rate_limit_hit
from arena.asgi import application
from battles.models import Battle, Vote
from tests.factories import annotator_create, arena_create, battle_ready, client_for
from tests.moderation.helpers import vote_via_api, ws_headers


def _limits(settings: Any, **rules: dict[str, tuple[int, int]]) -> None:
    settings.ARENA_RATE_LIMITS = rules


def test_threads_hammering_the_limiter_get_exactly_the_limit(settings: Any) -> None:
    _limits(settings, vote={"annotator": (25, 60)})
    who = uuid.uuid4()
    allowed: list[int] = []
    refused: list[int] = []
    start = threading.Barrier(16)

    def hammer() -> None:
        start.wait()
        for _ in range(10):
            try:
                rate_limit_hit(action="vote", annotator_id=who, ip=None)
                allowed.append(1)
            except RateLimited:
                refused.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(allowed), len(refused)) == (25, 135)


def test_every_rule_must_have_room_and_a_refusal_costs_nothing(settings: Any) -> None:
    _limits(settings, prompt={"annotator": (3, 60), "ip": (4, 60)})
    alice, bob = uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        rate_limit_hit(action="prompt", annotator_id=alice, ip="1.2.3.4")
    with pytest.raises(RateLimited) as refused:
        rate_limit_hit(action="prompt", annotator_id=alice, ip="1.2.3.4")
    assert refused.value.code == "rate_limited" and refused.value.status == 429
    assert "wait" in refused.value.message
    rate_limit_hit(action="prompt", annotator_id=bob, ip="1.2.3.4")  # the ip's 4th
    with pytest.raises(RateLimited):
        rate_limit_hit(action="prompt", annotator_id=bob, ip="1.2.3.4")
    rate_limit_hit(action="prompt", annotator_id=bob, ip="5.6.7.8")


def test_the_window_slides(settings: Any) -> None:
    _limits(settings, prompt={"annotator": (2, 1)})
    who = uuid.uuid4()
    rate_limit_hit(action="prompt", annotator_id=who, ip=None)
    rate_limit_hit(action="prompt", annotator_id=who, ip=None)
    with pytest.raises(RateLimited):
        rate_limit_hit(action="prompt", annotator_id=who, ip=None)
    import time

    time.sleep(1.05)
    rate_limit_hit(action="prompt", annotator_id=who, ip=None)


def test_a_daily_cap_says_so(settings: Any) -> None:
    _limits(settings, vote={"annotator_day": (1, 86400)})
    who = uuid.uuid4()
    rate_limit_hit(action="vote", annotator_id=who, ip=None)
    with pytest.raises(RateLimited, match="per day"):
        rate_limit_hit(action="vote", annotator_id=who, ip=None)


@pytest.mark.django_db
def test_the_vote_api_answers_429_and_a_retry_of_a_stored_vote_still_succeeds(
    settings: Any,
) -> None:
    _limits(settings, vote={"annotator": (1, 60)})
    alice = annotator_create()
    client = client_for(alice)
    first, second = battle_ready(annotator=alice), battle_ready(annotator=alice)
    assert vote_via_api(client, first).status_code == 200
    refused = vote_via_api(client, second)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert vote_via_api(client, first).status_code == 200
    assert Vote.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(30)
async def test_the_websocket_refuses_prompts_over_the_limit(settings: Any) -> None:
    _limits(settings, prompt={"annotator": (1, 60)})

    def setup() -> tuple[Any, str]:
        from tests.factories import contender_create

        arena = arena_create()
        contender_create(arena=arena)
        contender_create(arena=arena)
        return annotator_create(), arena.slug

    alice, slug = await database_sync_to_async(setup)()
    communicator = WebsocketCommunicator(application, "/ws/battle/", headers=ws_headers(alice))
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "one"})
    while (await communicator.receive_json_from(timeout=20))["type"] != "turn_done":
        pass
    await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "two"})
    message = await communicator.receive_json_from(timeout=10)
    await communicator.disconnect()
    assert (message["type"], message["code"]) == ("error", "rate_limited")
    assert await database_sync_to_async(Battle.objects.count)() == 1


@pytest.mark.django_db
def test_new_identities_per_address_are_limited_with_a_clear_page(settings: Any) -> None:
    """Issue #15: a script minted 5 annotators in 0.1 s, each a fresh set of per-annotator
    limits. Only new identities count; the refused one creates nothing."""
    from annotators.models import Annotator
    from tests.factories import terms_publish

    _limits(settings, identity={"ip": (2, 3600)})
    terms_publish(version=1)
    form = {"agree": "yes", "version": "1"}
    assert [client_for(None).post("/consent/", form).status_code for _ in range(2)] == [302, 302]
    refused = client_for(None).post("/consent/", form)
    assert refused.status_code == 429
    assert b"Too many new participants" in refused.content
    assert b"try again in 60 minutes" in refused.content
    assert int(refused["Retry-After"]) > 0
    as_json = client_for(None).post("/consent/", form, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 429 and as_json.json()["code"] == "rate_limited"
    assert Annotator.objects.count() == 2
    # Someone who already has an identity may renew consent.
    existing = Annotator.objects.first()
    assert client_for(existing).post("/consent/", form).status_code == 302
    # Another address is counted apart.
    assert client_for(None).post("/consent/", form, REMOTE_ADDR="192.0.2.5").status_code == 302


@pytest.mark.django_db
def test_without_terms_the_identity_a_visit_gets_is_limited_too(settings: Any) -> None:
    from annotators.models import Annotator

    _limits(settings, identity={"ip": (1, 3600)})
    assert client_for(None).get("/consent/").status_code == 302
    assert client_for(None).get("/consent/").status_code == 429
    assert Annotator.objects.count() == 1


@pytest.mark.django_db
def test_a_rejected_vote_does_not_use_up_the_limit(settings: Any) -> None:
    """Issue #15: 400s and 409s counted against the vote limit; only stored votes count now."""
    _limits(settings, vote={"annotator": (1, 60), "ip": (1, 60)})
    alice = annotator_create()
    client = client_for(alice)
    battle = battle_ready(annotator=alice)
    for bad in ({"choice": "sideways", "idempotency_key": "bad-vote-1"},
                {"choice": "a", "idempotency_key": "x"}):
        response = client.post(f"/api/battles/{battle.id}/vote", bad,
                               content_type="application/json")
        assert response.status_code == 400, response.content
    unfinished = battle_ready(annotator=alice)
    Battle.objects.filter(id=unfinished.id).update(state="streaming")
    assert vote_via_api(client, unfinished).status_code == 409
    assert vote_via_api(client, battle).status_code == 200
    assert vote_via_api(client, battle_ready(annotator=alice)).status_code == 429
    assert Vote.objects.count() == 1


def test_a_refund_hands_back_the_place_in_every_window(settings: Any) -> None:
    from annotators.limits import rate_limited

    _limits(settings, vote={"annotator": (1, 60), "ip": (1, 60)})
    who = uuid.uuid4()
    with pytest.raises(ValueError), rate_limited(action="vote", annotator_id=who, ip="1.2.3.4"):
        raise ValueError("rejected")
    with rate_limited(action="vote", annotator_id=who, ip="1.2.3.4"):
        pass
    with pytest.raises(RateLimited):
        rate_limit_hit(action="vote", annotator_id=who, ip="1.2.3.4")


@pytest.mark.django_db
def test_new_accounts_count_as_new_identities(settings: Any) -> None:
    from django.contrib.auth.models import User

    _limits(settings, identity={"ip": (2, 3600)})
    codes = [
        client_for(None).post("/accounts/signup/", {
            "username": f"newcomer{n}", "password1": "a-long-password-9", "password2":
            "a-long-password-9"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert User.objects.count() == 2
