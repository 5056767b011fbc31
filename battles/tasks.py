"""Periodic upkeep of battles."""

from __future__ import annotations

from celery import shared_task

from battles.services.upkeep import battles_fail_stale


@shared_task(name="battles.fail_stale")
def battles_fail_stale_task() -> int:
    """Battles left streaming by a crashed web process can never finish; close them."""
    return battles_fail_stale()
