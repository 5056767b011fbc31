from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from pytest_django.fixtures import Settings as SettingsWrapper
from redis.lock import Lock

from annotators.models import Annotator
from battles.models import Arena, Contender, Vote
from leaderboard.models import LeaderboardSnapshot
from leaderboard.redis import key, redis_client
from leaderboard.services import triggers
from leaderboard.services.recompute import RecomputeReport
from tests.factories import annotator_create, arena_create, contender_create
from tests.leaderboard.conftest import Cast, votes_cast

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker() -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process on the test database (committed rows only: transaction=True)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    url = urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))
    env = {**os.environ, "DATABASE_URL": url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "arena", "worker", "--pool", "solo",
         "-l", "warning", "-n", f"test-{os.getpid()}@%h", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env,
    )
    yield worker
    worker.terminate()
    worker.wait(timeout=20)


def _vote_with_signal(*, arena: Arena, annotator: Annotator, a: Contender, b: Contender,
                      choice: str, key: str, mode: str = "anonymous") -> Vote:
    """A vote saved the way vote_submit saves it (one create, so post_save fires)."""
    bulk = votes_cast(arena=arena, annotator=annotator, a=a, b=b, choice=choice, mode=mode)[0]
    Vote.objects.filter(id=bulk.id).delete()
    return Vote.objects.create(battle_id=bulk.battle_id, annotator=annotator, choice=choice,
                               idempotency_key=key)


def _wait_for(condition: Callable[[], bool], seconds: float = 40.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_recomputes_after_every_n_votes(
    celery_worker: subprocess.Popen[bytes], settings: SettingsWrapper
) -> None:
    settings.ARENA_RECOMPUTE_EVERY = 5
    settings.ARENA_RECOMPUTE_DEBOUNCE_SECONDS = 0  # the counter alone
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    alice = annotator_create()
    # Bulk rows send no signals: these 20 votes are there but uncounted.
    votes_cast(arena=arena, annotator=alice, a=x, b=y, choice="a", n=20)
    for k in range(5):
        assert not LeaderboardSnapshot.objects.exists()
        _vote_with_signal(arena=arena, annotator=alice, a=x, b=y, choice="b", key=f"sig-{k:04d}")
    assert _wait_for(lambda: LeaderboardSnapshot.objects.filter(arena=arena).exists())
    snapshot = LeaderboardSnapshot.objects.filter(arena=arena, category="overall",
                                                  style_control=False).get()
    assert snapshot.num_votes == 25


@pytest.mark.django_db(transaction=True)
def test_a_single_vote_shows_within_the_debounce_window_and_a_burst_is_fitted_once(
    celery_worker: subprocess.Popen[bytes], settings: SettingsWrapper
) -> None:
    settings.ARENA_RECOMPUTE_EVERY = 0
    settings.ARENA_RECOMPUTE_DEBOUNCE_SECONDS = 2
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    alice = annotator_create()
    votes_cast(arena=arena, annotator=alice, a=x, b=y, choice="a", n=20)

    def overall() -> list[LeaderboardSnapshot]:
        return list(LeaderboardSnapshot.objects.filter(
            arena=arena, category="overall", style_control=False).order_by("id"))

    _vote_with_signal(arena=arena, annotator=alice, a=x, b=y, choice="b", key="one")
    # Generous: the window (2 s) plus a worker's start and a tiny fit on a loaded machine.
    assert _wait_for(lambda: [s.num_votes for s in overall()] == [21], seconds=60)
    for k in range(5):  # well inside one window
        _vote_with_signal(arena=arena, annotator=alice, a=x, b=y, choice="b", key=f"burst-{k}")
    assert _wait_for(lambda: overall()[-1].num_votes == 26, seconds=60)
    time.sleep(3)  # anything else the burst queued has had its window
    assert len(overall()) <= 3, "five votes in one window are fitted together, not one by one"


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_beat_task_for_every_active_arena(
    celery_worker: subprocess.Popen[bytes], cast: Cast
) -> None:
    from leaderboard.tasks import leaderboard_recompute_active_task

    arenas = [arena_create(), arena_create(), arena_create(is_active=False)]
    for arena in arenas:
        x, y = contender_create(arena=arena), contender_create(arena=arena)
        cast(arena=arena, a=x, b=y, choice="a", n=3)
    leaderboard_recompute_active_task.delay()
    assert _wait_for(lambda: LeaderboardSnapshot.objects.values("arena").distinct().count() == 2)
    assert not LeaderboardSnapshot.objects.filter(arena=arenas[2]).exists()


def test_concurrent_runs_for_one_arena_do_not_both_run(monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak, queued = [0], [0], []
    guard = threading.Lock()

    def slow_recompute(*, arena_id: int, part: str) -> RecomputeReport:
        with guard:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.5)
        with guard:
            running[0] -= 1
        return RecomputeReport(arena_id=arena_id)

    monkeypatch.setattr(triggers, "leaderboard_recompute", slow_recompute)
    monkeypatch.setattr(triggers, "recompute_queue", lambda *, arena_id, **_: queued.append(arena_id))
    results: list[RecomputeReport | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(
            triggers.leaderboard_recompute_exclusive(arena_id=7)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 1
    assert sum(r is not None for r in results) == 1
    assert queued == [7], "the skipped runs leave one follow-up run behind"
    assert not redis_client().exists(key("recompute_lock", 7))
    assert triggers.leaderboard_recompute_exclusive(arena_id=7) is not None


def test_a_skipped_run_whose_holder_ended_meanwhile_runs_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock was taken at the attempt but is gone by the time the pending mark is set: the
    holder may have looked for marks already, so the run tries again instead of leaving one."""
    attempts: list[bool] = []
    real_acquire = Lock.acquire

    def taken_once(self: Lock, *args: Any, **kwargs: Any) -> bool:
        attempts.append(True)
        return False if len(attempts) == 1 else bool(real_acquire(self, *args, **kwargs))

    queued: list[int] = []
    monkeypatch.setattr(Lock, "acquire", taken_once)
    monkeypatch.setattr(triggers, "leaderboard_recompute", lambda *, arena_id, **_: RecomputeReport(arena_id))
    monkeypatch.setattr(triggers, "recompute_queue", lambda *, arena_id, **_: queued.append(arena_id))
    assert triggers.leaderboard_recompute_exclusive(arena_id=8) is not None
    assert len(attempts) == 2
    # Its own mark is still there when it ends: one follow-up run, harmless, rather than none.
    assert queued == [8]
    assert not redis_client().exists(key("recompute_pending", 8))


@pytest.mark.django_db
def test_it_ignores_votes_in_side_by_side_battles(
    cast: Cast, settings: SettingsWrapper, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ARENA_RECOMPUTE_EVERY = 1
    arena: Arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    alice = annotator_create()
    counted = []
    for mode in ("side_by_side", "anonymous"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _vote_with_signal(arena=arena, annotator=alice, a=x, b=y, choice="a",
                              key=f"mode-{mode}", mode=mode)
        counted.append(sum(c.__qualname__.startswith("vote_saved.") for c in callbacks))
    assert counted == [0, 1]


def test_style_runs_are_coalesced_behind_a_delay(
    monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    """Plain runs back to back ask for the style part each time; one is queued per delay, so
    a style fit never runs back to back beside the plain runs votes wait for."""
    settings.ARENA_STYLE_RECOMPUTE_DELAY_SECONDS = 30
    queued: list[tuple[int, str, float]] = []
    monkeypatch.setattr(triggers, "recompute_queue",
                        lambda *, arena_id, part="plain", countdown=0: queued.append(
                            (arena_id, part, countdown)))
    redis_client().delete(key("recompute_soon_style", 11))
    assert triggers.style_soon(arena_id=11) is True
    assert triggers.style_soon(arena_id=11) is False
    assert queued == [(11, "style", 30)]
    monkeypatch.setattr(triggers, "leaderboard_recompute",
                        lambda *, arena_id, **_: RecomputeReport(arena_id))
    triggers.leaderboard_recompute_exclusive(arena_id=11, part="style")
    assert not redis_client().exists(key("recompute_soon_style", 11)), "a style run frees the slot"
    assert triggers.style_soon(arena_id=11) is True
