"""`manage.py import_battles FILE --arena SLUG`: load a released battle file as votes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from battles.models import Arena
from leaderboard.ranking.io import BattleFileError
from leaderboard.services import battles_import
from leaderboard.services.triggers import recompute_queue


class Command(BaseCommand):
    help = (
        "Import battles (FastChat clean-battle JSON, JSONL/Parquet with model_a, model_b, "
        "winner, or pair-count JSON) into an arena as anonymous votes. Re-running is harmless."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--arena", required=True, help="slug of the target arena")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--no-recompute", action="store_true", help="do not queue a leaderboard recompute"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        arena = Arena.objects.filter(slug=options["arena"]).first()
        if arena is None:
            raise CommandError(f"No arena with slug {options['arena']!r}.")
        try:
            report = battles_import(
                arena=arena, path=options["file"], batch_size=options["batch_size"]
            )
        except BattleFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{report.battles_in_file} battles in file: {report.created} imported, "
            f"{report.skipped_existing} already present, {report.skipped_self} self-battles "
            f"skipped; {report.contenders_created} contenders created."
        )
        if report.created and not options["no_recompute"]:
            recompute_queue(arena_id=arena.id)
