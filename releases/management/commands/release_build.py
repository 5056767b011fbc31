"""``manage.py release_build --arena SLUG``: build a draft release now; ``--study SLUG``: build
a curated study's release (releases.study_release)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from releases.models import Release, ReleasePolicy, ReleaseState
from releases.services import ReleaseError, release_build, releases_root
from releases.study_release import study_release_build
from studies.models import Study


class Command(BaseCommand):
    help = "Build a draft data release for an arena (publish it in the admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--arena", help="Arena slug")
        target.add_argument("--study", help="Study slug: release its judgements")
        parser.add_argument("--rebuild", type=int, metavar="NUMBER",
                            help="Rebuild this draft release instead of starting a new one")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["study"]:
            study = Study.objects.select_related("arena").filter(slug=options["study"]).first()
            if study is None:
                raise CommandError(f"No study {options['study']!r}.")
            directory = study_release_build(study=study)
            self.stdout.write(f"Study release in {directory}")
            return
        policy = (
            ReleasePolicy.objects.select_related("arena")
            .filter(arena__slug=options["arena"]).first()
        )
        if policy is None:
            raise CommandError(f"Arena {options['arena']!r} has no release policy; add one in the admin.")
        draft = None
        if options["rebuild"] is not None:
            draft = Release.objects.filter(policy=policy, number=options["rebuild"],
                                           state=ReleaseState.DRAFT).first()
            if draft is None:
                raise CommandError(f"No draft release {options['rebuild']} for {options['arena']!r}.")
        try:
            release = release_build(policy=policy, release=draft)
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Draft release {release.number}: {release.counts.get('battles', 0)} battles in "
            f"{releases_root() / release.directory}"
        )
