"""Queueing worker-made sides, called by the battle service as a turn is stored.

Each side is one Celery task, queued by its registered name once the rows it reads are
committed: the service does not import the task module (which imports the runners), so imports
point one way. Any entry point that opens a turn gets its sides queued; a side that cannot be
queued (broker down) fails at once rather than leaving the page waiting.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction

from battles.modalities import modality_spec
from battles.services.generations import generation_fail

logger = logging.getLogger(__name__)

MEDIA_TASK = "battles.media_generate"


def _queue(generation_id: int, noun: str) -> None:
    try:
        current_app.signature(MEDIA_TASK).apply_async(
            args=[generation_id], queue=settings.ARENA_MEDIA_QUEUE)
    except Exception:
        logger.exception("could not queue side generation %s", generation_id)
        generation_fail(generation_id=generation_id,
                        error=f"This {noun} could not be started; please try again.")


def worker_sides_queue_on_commit(*, modality: str, generation_ids: tuple[int, ...]) -> None:
    spec = modality_spec(modality)
    if not spec.in_worker:
        return
    for generation_id in generation_ids:
        transaction.on_commit(partial(_queue, generation_id, spec.answer_noun))
