"""Reads for the release pages and API: only published releases are ever shown or served."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from releases.archive import archive_path, archive_sha256
from releases.models import Release, ReleaseState
from releases.schema import MANIFEST
from releases.services import releases_root


def releases_published() -> QuerySet[Release]:
    return Release.objects.filter(state=ReleaseState.PUBLISHED).select_related("policy__arena")


def release_files_listed(release: Release) -> dict[str, dict[str, Any]]:
    """The manifest's files (name → sha256, bytes), plus the manifest itself."""
    directory = releases_root() / release.directory
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = dict(manifest.get("files", {}))
    files[MANIFEST] = {"sha256": release.manifest_sha256, "bytes": (directory / MANIFEST).stat().st_size}
    return dict(sorted(files.items()))


def release_file_path(*, release_id: int, name: str) -> Path | None:
    """The file of a published release, only if its manifest lists that exact name."""
    release = releases_published().filter(id=release_id).first()
    if release is None or name not in release_files_listed(release):
        return None
    return releases_root() / release.directory / name


def release_archive(release: Release) -> dict[str, Any] | None:
    """The published release's archive (name, sha256, bytes), or None if it has none (releases
    built before archives existed)."""
    directory = releases_root() / release.directory
    path = archive_path(directory, {"arena": release.policy.arena.slug, "release": release.number})
    if release.state != ReleaseState.PUBLISHED or not path.is_file():
        return None
    return {"name": path.name, "sha256": archive_sha256(path), "bytes": path.stat().st_size, "path": path}


def release_archive_path(*, release_id: int) -> Path | None:
    release = releases_published().filter(id=release_id).first()
    archive = release_archive(release) if release else None
    return archive["path"] if archive else None
