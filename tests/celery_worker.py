"""A real Celery worker in a subprocess, on a queue of its own, against the test database.

Its own queue (`-Q`), so tasks that other tests left in the shared broker never run first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connection

from tests.processes import process_stop

REPO = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """DATABASE_URL with its database swapped for the one pytest-django created."""
    test_name = connection.settings_dict["NAME"]
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{test_name}").geturl()


@contextmanager
def celery_worker(*, queue: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Threads, so both sides of a battle are made at once, as a prefork worker would."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "arena", "worker", "-l", "warning",
         "--pool", "threads", "--concurrency", "4", "-Q", queue, "-n", f"{queue}@%h"],
        cwd=REPO, env={**os.environ, "DATABASE_URL": test_database_url(), **env},
    )
    try:
        yield worker
    finally:
        process_stop(worker, grace_s=20)
