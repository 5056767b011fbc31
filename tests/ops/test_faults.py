"""Faults against real servers: Redis restarting, the database dropping a connection,
providers that hang, flood or close mid-stream, and a worker killed mid-recompute.
Each fault costs seconds, not minutes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client, override_settings

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator
from arena.launcher.embedded import EmbeddedRedis
from battles.models import Battle, BattleState, Vote
from battles.services import vote as vote_service
from tests.factories import (
    annotator_create,
    arena_create,
    battle_ready,
    client_for,
    contender_create,
    contender_openai,
)
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ops.ws import battle_run, communicator_for, db, messages_until
from tests.web_server import web_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, which it may stop and start; the app is pointed at it.

    The Celery broker stays on the shared Redis: Celery reads its broker URL once per process.
    """
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    url = server.start()
    with override_settings(
        REDIS_URL=url,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": url}},
        CHANNEL_LAYERS={"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                    "CONFIG": {"hosts": [url]}}},
    ):
        yield server
    server.stop()


def _vote(annotator: Annotator, battle_id: object, key: str) -> Any:
    return client_for(annotator).post(
        f"/api/battles/{battle_id}/vote", {"choice": "a", "idempotency_key": key},
        content_type="application/json",
    )


async def test_it_rides_out_a_redis_restart_in_the_middle_of_battles(
    alice: Annotator, fake_openai: FakeOpenAIServer, own_redis: EmbeddedRedis
) -> None:
    def setup() -> str:
        arena = arena_create()
        for _ in range(2):  # 30 tokens at 20/s: streaming for about 1.5 s
            contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-rate:20:30")
        return arena.slug

    slug = await db(setup)
    communicators = [communicator_for(alice) for _ in range(3)]
    for communicator in communicators:
        await communicator.connect()
        await communicator.send_json_to({"type": "start", "arena": slug, "prompt": "Count"})
    for communicator in communicators:
        first = await messages_until(communicator, "chunk")
        assert first[-1]["type"] == "chunk"
    own_redis.stop()  # Redis goes away while three battles stream

    outcomes = [await messages_until(c, "turn_done") for c in communicators]
    for communicator in communicators:
        await communicator.disconnect()
    # Streaming needs no Redis: every battle in flight finishes (none is left streaming).
    assert all(messages[-1]["type"] == "turn_done" for messages in outcomes)
    battle_ids = [messages[-1]["battle_id"] for messages in outcomes]
    states = await db(lambda: set(Battle.objects.filter(id__in=battle_ids)
                                  .values_list("state", flat=True)))
    assert states <= {BattleState.READY, BattleState.FAILED}

    ready = await db(lambda: list(Battle.objects.filter(id__in=battle_ids,
                                                        state=BattleState.READY)))
    assert len(ready) == 3
    # A vote while Redis is down is stored, or refused with a clear retryable 503.
    during = await db(lambda: _vote(alice, ready[0].id, "vote-during-outage"))
    assert during.status_code in {200, 503}, during.content
    if during.status_code == 503:
        assert during.json()["retryable"] is True
    readiness = await db(lambda: Client().get("/readyz"))
    assert readiness.status_code == 503 and readiness.json()["failed"] == ["redis"]

    own_redis.start()  # same port: the site recovers without a restart
    # A client retries a 503 with the same key; a pooled connection from before the restart
    # may cost one more retry, never a lost or doubled vote.
    for _ in range(3):
        after = await db(lambda: _vote(alice, ready[0].id, "vote-during-outage"))
        if after.status_code != 503:
            break
    assert after.status_code == 200, after.content
    assert await db(lambda: Vote.objects.filter(battle_id=ready[0].id).count()) == 1
    assert (await db(lambda: Client().get("/readyz"))).status_code == 200
    await battle_run(alice, {"arena": slug, "prompt": "Warm up the pools"})
    again = await battle_run(alice, {"arena": slug, "prompt": "Again"})
    assert again[-1]["type"] == "turn_done" and again[-1]["can_vote"] is True


def test_it_answers_a_retryable_503_when_the_database_drops_the_vote(
    alice: Annotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    battle = battle_ready(annotator=alice)
    real_lock = vote_service.battle_lock_for_annotator
    calls = {"n": 0}

    def lock_after_losing_the_connection(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # the server ends our session, as a failover or restart would
            pid = connection.cursor().connection.info.backend_pid
            admin = connection.get_connection_params()
            with psycopg.connect(**admin, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(vote_service, "battle_lock_for_annotator", lock_after_losing_the_connection)
    first = _vote(alice, battle.id, "retry-me-please")
    assert first.status_code == 503
    assert first.json()["code"] == "unavailable" and first.json()["retryable"] is True
    assert first["Retry-After"] == "1"

    # The server discards the broken connection when the request ends; the test client
    # switches that signal off, so do here what request_finished does in production.
    close_old_connections()
    retry = _vote(alice, battle.id, "retry-me-please")
    second_retry = _vote(alice, battle.id, "retry-me-please")
    assert retry.status_code == 200 and second_retry.status_code == 200, retry.content
    assert Vote.objects.filter(battle=battle).count() == 1
    assert Battle.objects.get(id=battle.id).state == BattleState.VOTED


@pytest.mark.parametrize(
    ("model", "params", "error"),
    [
        ("fake-hang", {"read_timeout": 0.5, "total_timeout": 3}, "timeout"),
        ("fake-drop", {"read_timeout": 2, "total_timeout": 5}, ""),
        ("fake-rate:100000:200000", {"read_timeout": 2, "total_timeout": 1}, "longer than 1 s"),
    ],
    ids=["hangs", "closes-mid-stream", "floods"],
)
async def test_it_fails_only_the_misbehaving_side_within_its_timeout(
    alice: Annotator, fake_openai: FakeOpenAIServer, model: str, params: dict[str, float],
    error: str,
) -> None:
    def setup() -> str:
        arena = arena_create()
        contender_create(arena=arena)
        broken = contender_openai(arena=arena, base_url=fake_openai.base_url, model=model)
        broken.params = {"connect_timeout": 2, **params}
        broken.save()
        return arena.slug

    slug = await db(setup)
    started = asyncio.get_running_loop().time()
    messages = await battle_run(alice, {"arena": slug, "prompt": "Hello"})
    elapsed = asyncio.get_running_loop().time() - started
    failed = [m for m in messages if m["type"] == "side_failed"]
    done = [m for m in messages if m["type"] == "side_done"]
    assert len(failed) == 1 and len(done) == 1, [m["type"] for m in messages]
    assert error in failed[0]["error"]
    assert elapsed < params["total_timeout"] + 5  # bounded by the side's own timeout
    assert messages[-1]["can_vote"] is False


def _wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _board(slug: str) -> dict[str, Any]:
    response = Client().get(f"/api/arenas/{slug}/leaderboard")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_worker_killed_mid_recompute_leaves_the_last_board_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    from leaderboard.models import LeaderboardSnapshot
    from leaderboard.services.recompute import leaderboard_recompute
    from leaderboard.tasks import leaderboard_recompute_task
    from tests.celery_worker import celery_worker, test_database_url
    from tests.leaderboard.conftest import votes_cast

    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    annotator = annotator_create()
    votes_cast(arena=arena, annotator=annotator, a=x, b=y, choice="a", n=20)
    leaderboard_recompute(arena_id=arena.id)
    before = _board(arena.slug)
    kept = set(LeaderboardSnapshot.objects.values_list("id", flat=True))
    votes_cast(arena=arena, annotator=annotator, a=x, b=y, choice="b", n=10)

    queue, marker = f"fault-test-{os.getpid()}", tmp_path / "in-transaction"
    # A lock that outlives its killed holder for 3 s rather than ARENA_RECOMPUTE_LOCK_SECONDS.
    env = {**os.environ, "DATABASE_URL": test_database_url(), "ARENA_RECOMPUTE_LOCK_SECONDS": "3"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.ops.hanging_worker", str(marker), "worker", "-l", "warning",
         "--pool", "solo", "-Q", queue, "-n", f"{queue}@%h", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=Path(__file__).resolve().parents[2], env=env,
    )
    try:
        leaderboard_recompute_task.apply_async(args=[arena.id], queue=queue)
        assert _wait_for(marker.exists), "the recompute never reached its snapshot transaction"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)

    # Nothing of the killed run is visible; the board still shows the previous snapshot.
    assert set(LeaderboardSnapshot.objects.values_list("id", flat=True)) == kept
    assert _board(arena.slug) == before

    time.sleep(3.5)  # the dead run's lock expires
    with celery_worker(queue=queue, env={"ARENA_RECOMPUTE_LOCK_SECONDS": "3"}):
        leaderboard_recompute_task.apply_async(args=[arena.id], queue=queue)
        assert _wait_for(lambda: LeaderboardSnapshot.objects.exclude(id__in=kept).exists())
    after = _board(arena.slug)
    assert after != before
    assert LeaderboardSnapshot.objects.exclude(id__in=kept).filter(num_votes=30).exists()


@contextmanager
def database_frozen() -> Iterator[None]:
    """Every PostgreSQL process stopped (SIGSTOP), as a hung host or a stalled disk would leave
    it: connections stay open, nothing answers. Always thawed again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory')")
        data_dir = Path(cursor.fetchone()[0])
    postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
    processes = [postmaster, *postmaster.children(recursive=True)]
    for process in processes:
        process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGCONT)


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def _http(url: str, *, timeout: float, data: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (names in lower case) and body, whatever the status."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers.items()), error.read()


@pytest.mark.timeout(120)
def test_a_frozen_database_answers_503_in_seconds_not_500_after_ten(
    alice: Annotator, tmp_path: Path
) -> None:
    battle = battle_ready(annotator=alice)
    cookie = f"arena_annotator={annotator_cookie_value(alice.id)}"
    vote = json.dumps({"choice": "a", "idempotency_key": "frozen-database-vote"}).encode()
    with web_server(log=tmp_path / "web.log") as url:
        assert _http(f"{url}/readyz", timeout=30)[0] == 200  # the pool holds live connections
        assert _http(f"{url}/", timeout=30)[0] == 200
        with database_frozen():
            # The deadlines are the (about 2 s for an answer, 1 s for /readyz) with room.
            status, headers, body = _http(
                f"{url}/api/battles/{battle.id}/vote", timeout=6, data=vote,
                headers={"Cookie": cookie, "Content-Type": "application/json"},
            )
            assert status == 503, body
            assert headers["content-type"].startswith("application/json")
            assert json.loads(body) == {
                "code": "unavailable", "message": "The service is briefly unavailable; please retry.",
                "retryable": True,
            }
            assert headers["retry-after"] == "1"

            status, headers, body = _http(f"{url}/", timeout=6, headers={"Cookie": cookie})
            assert status == 503 and headers["content-type"].startswith("text/html"), body
            assert b"briefly unavailable" in body

            status, _, body = _http(f"{url}/readyz", timeout=3)
            assert status == 503 and "database" in json.loads(body)["failed"], body

        # Thawed: the same vote goes through, once.
        assert _wait_for(lambda: _http(f"{url}/readyz", timeout=10)[0] == 200, 30)
        csrf = "t" * 32
        status, _, body = _http(
            f"{url}/api/battles/{battle.id}/vote", timeout=30, data=vote,
            headers={"Cookie": f"{cookie}; csrftoken={csrf}", "X-CSRFToken": csrf,
                     "Content-Type": "application/json"},
        )
        assert status == 200, (body, (tmp_path / "web.log").read_text()[-3000:])
    assert Vote.objects.filter(battle=battle).count() == 1
    log = (tmp_path / "web.log").read_text()
    assert "Internal Server Error" not in log and "dependency unavailable" in log
