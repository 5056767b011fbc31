"""Battles fixtures: a Celery worker for music generations, started once when first needed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.celery_worker import celery_worker


@dataclass(frozen=True)
class MediaWorker:
    queue: str
    media_root: Path


@pytest.fixture(scope="session")
def media_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MediaWorker]:
    queue = f"media-test-{os.getpid()}"
    media_root = tmp_path_factory.mktemp("worker-media")
    with celery_worker(queue=queue, env={"MEDIA_ROOT": str(media_root)}):
        yield MediaWorker(queue=queue, media_root=media_root)


@pytest.fixture
def sides_worker(settings: Any, media_worker: MediaWorker) -> MediaWorker:
    """Image and music sides go to the test worker, and this process reads the files it writes."""
    settings.ARENA_MEDIA_QUEUE = media_worker.queue
    settings.MEDIA_ROOT = str(media_worker.media_root)
    return media_worker
