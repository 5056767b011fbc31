"""Celery tasks on battles: thin adapters that take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from battles.services.upkeep import battles_fail_stale
from battles.sides.worker import worker_side_generate


@shared_task(name="battles.fail_stale")
def battles_fail_stale_task() -> int:
    """Battles left streaming by a crashed web process can never finish; close them."""
    return battles_fail_stale()


@shared_task(name="battles.media_generate")
def media_generate_task(generation_id: int) -> bool:
    """One worker-made side (battles/sides/worker.py); queued on ARENA_MEDIA_QUEUE by
    battles/sides/queue.py under this name."""
    return worker_side_generate(generation_id=generation_id)
