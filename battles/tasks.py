"""Celery tasks on battles: thin adapters that take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from battles.services.upkeep import battles_fail_stale


@shared_task(name="battles.fail_stale")
def battles_fail_stale_task() -> int:
    """Battles left streaming by a crashed web process can never finish; close them."""
    return battles_fail_stale()


@shared_task(name="battles.music_generate")
def music_generate_task(generation_id: int) -> bool:
    """One side of a music turn (battles/music_jobs.py); queued on ARENA_MEDIA_QUEUE."""
    # Imported here: music_jobs → streaming → music_relay → this module.
    from battles.music_jobs import music_side_generate

    return music_side_generate(generation_id=generation_id)
