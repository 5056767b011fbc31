"""Celery tasks for studies: thin adapters that take ids and call the services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from studies.services.answers import MAX_ATTEMPTS, item_answers_make


@shared_task(name="studies.item_answers_make", bind=True, max_retries=MAX_ATTEMPTS)
def item_answers_make_task(self: Any, item_id: int) -> bool:
    """Safe to re-run: a settled item is left alone. Unsettled ones retry with a backoff."""
    settled = item_answers_make(item_id=item_id)
    if not settled:
        raise self.retry(countdown=5 * (self.request.retries + 1))
    return settled
