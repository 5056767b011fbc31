"""Celery tasks: thin adapters over the services."""

from __future__ import annotations

from celery import shared_task

from releases.services import release_rows_prepare, releases_build_due


@shared_task(name="releases.build_due")
def releases_build_due_task() -> list[int]:
    """Beat, hourly: build a draft for every active policy whose cadence has come round.

    Safe to re-run: a policy that just got a draft is not due again until its cadence passes.
    """
    return [release.id for release in releases_build_due()]


@shared_task(name="releases.prepare_rows")
def release_rows_prepare_task() -> int:
    """Beat, every ten minutes: make the stored release rows of newly voted battles (a bounded
    number per run), so the next build splices stored rows instead of redacting history."""
    return release_rows_prepare()
