"""`manage.py ranking_rows_backfill [--arena SLUG] [--tags]`: write the ranking rows of votes
stored without one (before the table existed, or in bulk), and with ``--tags`` recompute every
tag's flags from the first prompts (after a change to the tag rules' semantics; an edited or
added tag is refreshed by the next recompute on its own)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from battles.models import Arena
from leaderboard.services.ranking_rows import ranking_rows_fill, tag_flags_refresh


class Command(BaseCommand):
    help = "Write missing per-vote ranking rows; optionally recompute tag flags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--arena", help="only this arena (slug)")
        parser.add_argument("--tags", action="store_true", help="recompute every tag's flags")

    def handle(self, *args: Any, **options: Any) -> None:
        arenas = Arena.objects.order_by("id")
        if options["arena"]:
            arenas = arenas.filter(slug=options["arena"])
        for arena in arenas:
            started = time.perf_counter()
            written = ranking_rows_fill(arena_id=arena.id)
            refreshed = tag_flags_refresh(arena_id=arena.id, force=options["tags"])
            self.stdout.write(
                f"{arena.slug}: {written} rows written, tags refreshed: "
                f"{', '.join(refreshed) or 'none'} ({time.perf_counter() - started:.1f}s)"
            )
