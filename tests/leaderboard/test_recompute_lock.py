"""One recompute per arena at a time, with a short lock that a long run keeps alive."""

from __future__ import annotations

import threading
import time

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from leaderboard.redis import key, redis_client
from leaderboard.services import triggers
from leaderboard.services.recompute import RecomputeReport

pytestmark = pytest.mark.timeout(60)


def test_it_keeps_a_short_lock_alive_through_a_long_run(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ARENA_RECOMPUTE_LOCK_SECONDS = 1
    arena_id = 987_654
    monkeypatch.setattr(triggers, "recompute_queue", lambda *, arena_id, part="plain": None)

    def slow_recompute(*, arena_id: int, part: str) -> RecomputeReport:
        time.sleep(3)  # three lock lifetimes
        return RecomputeReport(arena_id=arena_id)

    monkeypatch.setattr(triggers, "leaderboard_recompute", slow_recompute)
    results: list[object] = []
    first = threading.Thread(
        target=lambda: results.append(triggers.leaderboard_recompute_exclusive(arena_id=arena_id))
    )
    first.start()
    time.sleep(2.2)  # past the lock's own lifetime: only renewal keeps it held
    assert triggers.leaderboard_recompute_exclusive(arena_id=arena_id) is None
    first.join()
    assert len(results) == 1 and isinstance(results[0], RecomputeReport)
    assert not redis_client().exists(key("recompute_lock", arena_id))


def test_it_frees_the_arena_soon_after_a_run_dies(settings: SettingsWrapper) -> None:
    settings.ARENA_RECOMPUTE_LOCK_SECONDS = 1
    arena_id = 987_655
    dead = redis_client().lock(key("recompute_lock", arena_id), timeout=1)
    assert dead.acquire(blocking=False)  # a run that was killed: nobody renews its lock
    time.sleep(1.3)
    assert redis_client().lock(key("recompute_lock", arena_id), timeout=1).acquire(blocking=False)
