"""When recomputes happen: soon after a vote, every N new valid votes, on a schedule, one at a
time per arena.

A new vote queues a recompute `ARENA_RECOMPUTE_DEBOUNCE_SECONDS` later unless one is already
queued for that window (a Redis key with that lifetime, set only if absent): under load every
vote shows within about the window plus a fit, and an arena is fitted at most once a window
however many votes arrive. The run clears the key before it reads the votes, so a vote
stored after that read queues the next run rather than being left to the schedule.

A run that finds another one in progress does not wait; it leaves a "pending" mark, and the run
in progress queues one more when it finishes, so no vote is left out for long and at most one
fit per arena occupies a worker.

A run comes in two parts, each with its own lock and pending mark: "plain" (the boards shown by
default, groups and aspects; fits on pair counts) and "style" (the style-controlled boards, the
slow part), which a plain run queues to start ARENA_STYLE_RECOMPUTE_DELAY_SECONDS later (one
at a time, like the debounce). A new vote then waits at most for a plain run, never behind a
style fit or beside one kept running back to back; the style boards follow within the delay
plus a style fit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app
from django.conf import settings
from django.db import transaction
from redis.exceptions import LockError
from redis.lock import Lock

from leaderboard.redis import key, redis_client
from leaderboard.services.recompute import RecomputeReport, leaderboard_recompute

logger = logging.getLogger(__name__)


RECOMPUTE_TASK = "leaderboard.recompute"


PLAIN, STYLE = "plain", "style"


def recompute_queue(*, arena_id: int, part: str = PLAIN, countdown: float = 0) -> None:
    """Queue a recompute once the current transaction (if any) has committed. The task is named,
    not imported: `leaderboard.tasks` imports this module, and imports point one way."""
    transaction.on_commit(
        lambda: current_app.signature(RECOMPUTE_TASK).apply_async(
            args=[arena_id], kwargs={"part": part}, countdown=countdown or None))


def style_soon(*, arena_id: int) -> bool:
    """Queue the style part ARENA_STYLE_RECOMPUTE_DELAY_SECONDS from now unless one is queued
    already (the key is deleted when the style run starts, as `recompute_soon`'s is)."""
    delay = settings.ARENA_STYLE_RECOMPUTE_DELAY_SECONDS
    if delay > 0 and not redis_client().set(key(_part_key("recompute_soon", STYLE), arena_id), 1,
                                            nx=True, ex=delay + 60):
        return False
    recompute_queue(arena_id=arena_id, part=STYLE, countdown=delay)
    return True


def recompute_soon(*, arena_id: int) -> bool:
    """Queue a recompute ARENA_RECOMPUTE_DEBOUNCE_SECONDS from now unless one is queued for the
    current window already; True when this call queued it. Called after the vote committed."""
    delay = settings.ARENA_RECOMPUTE_DEBOUNCE_SECONDS
    if delay <= 0:
        return False
    # The key lives a little longer than the countdown; the run deletes it before reading.
    if not redis_client().set(key("recompute_soon", arena_id), 1, nx=True, ex=delay + 60):
        return False
    current_app.signature(RECOMPUTE_TASK).apply_async(args=[arena_id], countdown=delay)
    return True


def vote_counted(*, arena_id: int) -> bool:
    """Count one new rankable vote (after commit): a debounced recompute, and one straight away
    on every ARENA_RECOMPUTE_EVERY-th. True when either was queued."""
    queued = recompute_soon(arena_id=arena_id)
    every = settings.ARENA_RECOMPUTE_EVERY
    if every <= 0:
        return queued
    count = redis_client().incr(key("new_votes", arena_id))
    if int(count) % every != 0:
        return queued
    recompute_queue(arena_id=arena_id)
    return True


@contextmanager
def _lock_renewed(lock: Lock, every: float) -> Iterator[None]:
    """Keep a short lock alive while the run lasts.

    The lock's lifetime is short so that a worker killed mid-run (SIGKILL, OOM, a lost machine)
    blocks the arena's next recompute for seconds, not for however long a fit could take.
    """
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(every):
            try:
                lock.reacquire()
            except LockError:
                return

    renewer = threading.Thread(target=renew, name="recompute-lock", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


def _part_key(name: str, part: str) -> str:
    """The plain part keeps the names the keys had before runs were split."""
    return name if part == PLAIN else f"{name}_{part}"


def leaderboard_recompute_exclusive(*, arena_id: int, part: str = PLAIN) -> RecomputeReport | None:
    """Run one part of a recompute unless another run of that part holds the arena's lock;
    None when skipped. A plain run queues the style part when it is due."""
    client = redis_client()
    lock_key = key(_part_key("recompute_lock", part), arena_id)
    pending_key = key(_part_key("recompute_pending", part), arena_id)
    lock = client.lock(
        lock_key,
        timeout=settings.ARENA_RECOMPUTE_LOCK_SECONDS,
        blocking=False,
        thread_local=False,  # the renewing thread must see the token this thread acquired
    )
    # A pending mark left before this run reads the votes is satisfied by it, so it is cleared
    # first. Clearing it only after taking the lock lost marks: a run skipped in between (it
    # found the lock taken and marked pending) had its mark erased and no follow-up ran.
    client.delete(pending_key)
    while not lock.acquire():
        client.set(pending_key, 1, ex=settings.ARENA_RECOMPUTE_LOCK_SECONDS)
        if client.exists(lock.name):
            logger.info("leaderboard recompute arena=%s part=%s already running; marked pending",
                        arena_id, part)
            return None
        # The run holding the lock ended between our attempt and our mark and may have looked
        # for a mark before we set it: try again rather than leave the mark to nobody.
    try:
        # Votes from here on are not certain to be read by this run: let them queue the next.
        client.delete(key(_part_key("recompute_soon", part), arena_id))
        with _lock_renewed(lock, every=settings.ARENA_RECOMPUTE_LOCK_SECONDS / 3):
            report = leaderboard_recompute(arena_id=arena_id, part=part)
        if report.style_due:
            style_soon(arena_id=arena_id)
        return report
    finally:
        try:
            lock.release()
        except Exception:  # the lock expired mid-run; another run may own it now
            logger.warning("leaderboard recompute arena=%s outlived its lock", arena_id)
        if client.delete(pending_key):
            recompute_queue(arena_id=arena_id, part=part)
