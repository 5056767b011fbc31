"""A Celery worker whose leaderboard recompute stops inside its snapshot transaction.

`python -m tests.ops.hanging_worker MARKER worker ...`: the run writes its snapshots and prunes
old ones, touches MARKER, then sleeps before the transaction commits, so a test can SIGKILL the
worker at the worst moment.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")
    django.setup()
    from arena.celery import app
    from leaderboard.services import recompute

    marker, prune = Path(argv[0]), recompute._prune

    def prune_then_hang(arena_id: int) -> None:
        prune(arena_id)
        marker.touch()
        time.sleep(600)

    recompute._prune = prune_then_hang
    app.worker_main(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
