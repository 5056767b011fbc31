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
