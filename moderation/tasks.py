"""Celery tasks: remote output checks and the periodic vote-pattern scan. Safe to re-run."""

from __future__ import annotations

from celery import shared_task

from moderation.services.anomalies import annotators_scan_recent
from moderation.services.screening import turn_screen


@shared_task(name="moderation.turn_screen_remote")
def turn_screen_remote_task(turn_id: int) -> int:
    return len(turn_screen(turn_id=turn_id, remote=True))


@shared_task(name="moderation.scan_annotators")
def annotators_scan_task() -> int:
    return annotators_scan_recent()
