"""The stale-battle task, run by a real Celery worker against the test database."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from battles.models import Battle, BattleState, Generation
from battles.services import battle_start
from battles.tasks import battles_fail_stale_task
from tests.celery_worker import celery_worker
from tests.factories import annotator_create, arena_create, contender_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

# A queue of its own, so tasks that earlier tests queued in the shared broker don't run first.
QUEUE = f"upkeep-test-{os.getpid()}"


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    with celery_worker(queue=QUEUE, env={}) as process:
        yield process


def test_it_fails_battles_left_streaming_by_a_dead_web_process(
    worker: subprocess.Popen[bytes],
) -> None:
    arena = arena_create()
    contender_create(arena=arena)
    contender_create(arena=arena)
    stale = battle_start(arena=arena, annotator=annotator_create(), prompt="old")
    fresh = battle_start(arena=arena, annotator=annotator_create(), prompt="new")
    Generation.objects.filter(turn__battle=stale.battle).update(
        started_at=timezone.now() - timedelta(hours=2)
    )

    battles_fail_stale_task.apply_async(queue=QUEUE)

    # Done once both sides are failed: the battle turns FAILED with the first of them already.
    deadline = time.monotonic() + 120
    while Generation.objects.filter(turn__battle=stale.battle, status="streaming").exists():
        assert worker.poll() is None, "the worker died"
        assert time.monotonic() < deadline, "the worker never ran the task"
        time.sleep(0.2)
    assert Battle.objects.get(id=stale.battle.id).state == BattleState.FAILED
    assert Battle.objects.get(id=fresh.battle.id).state == BattleState.STREAMING
    errors = set(Generation.objects.filter(turn__battle=stale.battle).values_list("error", flat=True))
    assert errors == {"The answer was never completed."}
