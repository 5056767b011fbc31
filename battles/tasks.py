"""Celery tasks on battles: thin adapters that take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from battles.services.upkeep import battles_fail_stale


@shared_task(name="battles.fail_stale")
def battles_fail_stale_task() -> int:
    """Battles left streaming by a crashed web process can never finish; close them."""
    return battles_fail_stale()


@shared_task(name="battles.media_generate")
def media_generate_task(generation_id: int) -> bool:
    """One side of a music or image turn (battles/worker_sides.py); queued on ARENA_MEDIA_QUEUE."""
    # Imported here: worker_sides → streaming → worker_relay → this module.
    from battles.worker_sides import worker_side_generate

    return worker_side_generate(generation_id=generation_id)
