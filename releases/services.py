"""Building, publishing and discarding releases. Views, admin actions, the command and the
beat task are thin adapters over these functions."""

from __future__ import annotations

import os
import shutil
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from battles.modalities import modality_spec
from battles.models import Arena, Battle
from releases.archive import archive_path, archive_stem, archive_write, checksum_path
from releases.assembly import ReleaseStats, release_lines
from releases.card import card_text
from releases.data_writer import DataWriter
from releases.files import leaderboard_write, manifest_write, sha256_file
from releases.fragments import fragments_fill
from releases.gzip_blocks import Deflated
from releases.judges import judges_demographics
from releases.media import media_copier
from releases.models import K_ANONYMITY_FLOOR, Release, ReleasePolicy, ReleaseState, RowFragment
from releases.rows import Naming
from releases.schema import CARD, MANIFEST
from releases.sources import battles_excluded_counts, battles_moderation_tags, battles_releasable


class ReleaseError(Exception):
    """A release operation that cannot go ahead; the message says why."""


def releases_root() -> Path:
    return Path(settings.RELEASES_ROOT)


def _secret() -> str:
    secret = settings.RELEASE_PSEUDONYM_SECRET
    if not secret:
        raise ImproperlyConfigured(
            "RELEASE_PSEUDONYM_SECRET (or RELEASE_PSEUDONYM_SECRET_FILE) must be set to build "
            "releases: annotator pseudonyms are keyed with it."
        )
    return secret


def release_secret() -> str:
    """The pseudonym key, or ImproperlyConfigured; for builders outside this module."""
    return _secret()


def release_k_anonymity(*, arena: Arena) -> int:
    """The k of the arena's releases, battles and studies alike: its policy's, never below the
    floor (an arena without a policy gets the floor)."""
    policy = ReleasePolicy.objects.filter(arena=arena).first()
    return max(policy.k_anonymity if policy else K_ANONYMITY_FLOOR, K_ANONYMITY_FLOOR)


def _writable(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def _read_only(path: Path) -> None:
    for root, _dirs, files in os.walk(path, topdown=False):
        for name in files:
            os.chmod(os.path.join(root, name), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.chmod(root, 0o555)


def _archive(release: Release) -> Path:
    """The release's archive, beside its directory (see releases.archive)."""
    return archive_path(releases_root() / release.directory,
                        {"arena": release.policy.arena.slug, "release": release.number})


def _meta(release: Release, stats: ReleaseStats, excluded: dict[str, int], k: int,
          board: dict[str, Any]) -> dict[str, Any]:
    policy = release.policy
    spec = modality_spec(policy.arena.modality)
    return {
        "arena": policy.arena.slug,
        "modality": policy.arena.modality,
        "release_kind": spec.release_kind,
        "release_task": spec.release_task,
        "media_kind": spec.media_kind or None,
        "release": release.number,
        "cutoff": release.cutoff.isoformat(),
        "delay_days": policy.delay_days,
        "date_range": {
            "start": stats.date_start.isoformat() if stats.date_start else None,
            "end": stats.date_end.isoformat() if stats.date_end else None,
        },
        "counts": {
            "battles": stats.battles,
            "annotators": len(stats.judges),
            "down_sampled": stats.down_sampled,
            "excluded": {**excluded, "down_sampled": stats.down_sampled},
            "per_model": dict(sorted(stats.per_model.items())),
        },
        "models": dict(sorted(stats.models.items())),
        "pseudonyms": "stable",
        "k_anonymity": k,
        "max_per_prompt": policy.max_per_prompt,
        "license": policy.license,
        "leaderboard_method": board["method"],
    }


def _naming(policy: ReleasePolicy) -> Naming:
    return Naming(secret=_secret(), scope=f"arena:{policy.arena_id}")


def _release_battles(policy: ReleasePolicy, cutoff: datetime) -> tuple[QuerySet[Battle], dict[str, int]]:
    """The battles a release of `policy` with `cutoff` holds (before the per-prompt cap), and
    how many voted battles each rule left out."""
    battles = battles_releasable(arena=policy.arena, cutoff=cutoff)
    private = list(policy.private_contenders.values_list("id", flat=True))
    excluded = battles_excluded_counts(arena=policy.arena, cutoff=cutoff)
    if private:
        withheld = Q(contender_a__in=private) | Q(contender_b__in=private)
        excluded["private_contender"] = battles.filter(withheld).count()
        battles = battles.exclude(withheld)
    return battles, excluded


def _write(release: Release, directory: Path, deflate_into: Path) -> tuple[dict[str, Any],
                                                                          dict[str, Deflated]]:
    """The release's files in `directory`; returns its facts and the data files' contents
    deflated for the archive, in `deflate_into`."""
    policy = release.policy
    kind = modality_spec(policy.arena.modality).release_kind
    naming = _naming(policy)
    battles, excluded = _release_battles(policy, release.cutoff)
    k = release_k_anonymity(arena=policy.arena)
    demographics = judges_demographics(battles, naming, k)
    stats = ReleaseStats()
    fastchat = policy.fastchat_export and kind in ("text", "search")
    with DataWriter(directory, kind=kind, fastchat=fastchat, deflate_into=deflate_into) as writer:
        for line in release_lines(battles=battles, kind=kind, naming=naming,
                                  max_per_prompt=policy.max_per_prompt, demographics=demographics,
                                  stats=stats, media=media_copier(directory),
                                  moderation_tags=battles_moderation_tags(policy.arena)):
            writer.write_line(line.release, line.fastchat)
    board = leaderboard_write(directory)
    meta = _meta(release, stats, excluded, k, board)
    (directory / CARD).write_text(card_text(meta, fastchat=fastchat), encoding="utf-8")
    manifest_write(directory, meta, writer.written())
    release.date_start, release.date_end = stats.date_start, stats.date_end
    release.counts = meta["counts"]
    return meta, writer.deflated()


def _cutoff(policy: ReleasePolicy, now: datetime) -> datetime:
    """Midnight UTC `delay_days` ago: a whole-day boundary, so reruns on one day agree."""
    day = (now - timedelta(days=policy.delay_days)).astimezone(UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def release_build(*, policy: ReleasePolicy, release: Release | None = None,
                  now: datetime | None = None) -> Release:
    """Build a new draft (or rebuild `release`, a draft, from scratch with its cutoff)."""
    _secret()
    if release is None:
        with transaction.atomic():
            ReleasePolicy.objects.select_for_update().filter(pk=policy.pk).first()
            number = (policy.releases.aggregate(n=Max("number"))["n"] or 0) + 1
            cutoff = _cutoff(policy, now or timezone.now())
            release = Release.objects.create(
                policy=policy, number=number, cutoff=cutoff,
                directory=f"{policy.arena.slug}/release-{number:04d}",
            )
    elif release.state != ReleaseState.DRAFT:
        raise ReleaseError(f"Only a draft can be rebuilt; release {release.number} is {release.state}.")
    target = releases_root() / release.directory
    staging = target.with_name(target.name + ".building")
    if staging.exists():
        _writable(staging)
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    deflating = target.with_name(target.name + ".deflating")  # the archive's parts, never released
    shutil.rmtree(deflating, ignore_errors=True)
    try:
        meta, deflated = _write(release, staging, deflating)
        archive_write(staging, name=archive_stem(meta), mtime=int(release.cutoff.timestamp()),
                      deflated=deflated)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(deflating, ignore_errors=True)
    if target.exists():
        _writable(target)
        shutil.rmtree(target)
    staging.rename(target)
    release.manifest_sha256 = sha256_file(target / MANIFEST)
    release.built_at = timezone.now()
    release.save()
    return release


def release_publish(*, release: Release) -> Release:
    """Publish a draft: its files become read-only and the row immutable."""
    if release.state != ReleaseState.DRAFT:
        raise ReleaseError(f"Only a draft can be published; release {release.number} is {release.state}.")
    directory = releases_root() / release.directory
    if not (directory / MANIFEST).is_file() or sha256_file(directory / MANIFEST) != release.manifest_sha256:
        raise ReleaseError("The release files are missing or changed since the build; rebuild it.")
    _read_only(directory)
    archive = _archive(release)
    for path in (archive, checksum_path(archive)):
        if path.exists():
            os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    release.state = ReleaseState.PUBLISHED
    release.published_at = timezone.now()
    release.save()
    return release


def release_discard(*, release: Release) -> Release:
    """Discard a draft and delete its files; the row stays, so its number is never reused."""
    if release.state != ReleaseState.DRAFT:
        raise ReleaseError(f"Only a draft can be discarded; release {release.number} is {release.state}.")
    directory = releases_root() / release.directory
    if directory.exists():
        _writable(directory)
        shutil.rmtree(directory)
    archive = _archive(release)
    for path in (archive, checksum_path(archive)):
        path.unlink(missing_ok=True)
    release.state = ReleaseState.DISCARDED
    release.discarded_at = timezone.now()
    release.save()
    return release


def policy_is_due(*, policy: ReleasePolicy, now: datetime) -> bool:
    """Due when no draft or published release was built within the cadence."""
    latest = (
        policy.releases.exclude(state=ReleaseState.DISCARDED)
        .aggregate(at=Max("built_at"))["at"]
    )
    return latest is None or latest <= now - timedelta(days=policy.cadence_days)


def releases_build_due(*, now: datetime | None = None) -> list[Release]:
    now = now or timezone.now()
    built = []
    for policy in ReleasePolicy.objects.filter(is_active=True).select_related("arena"):
        if policy_is_due(policy=policy, now=now):
            built.append(release_build(policy=policy, now=now))
    return built


# Stored rows made per prepare run (every ten minutes): about half a minute of one worker at
# ~0.7 ms a battle. Far above any arena's vote rate; after a change to the row code, the whole
# history is remade within hours (and a build in between makes what it still lacks itself).
PREPARE_LIMIT = 50_000


def release_rows_prepare(*, now: datetime | None = None, limit: int = PREPARE_LIMIT) -> int:
    """Make the stored rows (`releases.fragments`) of voted battles that active policies' next
    releases will hold, at most `limit` in all, so a scheduled build mostly splices; and drop
    the stored rows of battles no longer releasable. Returns how many were made; 0 without a
    pseudonym secret (nothing could be built either)."""
    if not settings.RELEASE_PSEUDONYM_SECRET:
        return 0
    made = 0
    for policy in ReleasePolicy.objects.filter(is_active=True).select_related("arena"):
        battles, _excluded = _release_battles(policy, now or timezone.now())
        RowFragment.objects.filter(battle__arena=policy.arena).exclude(battle__in=battles).delete()
        if made >= limit:
            continue
        made += fragments_fill(battles, kind=modality_spec(policy.arena.modality).release_kind,
                               naming=_naming(policy), limit=limit - made)
    return made
