"""GET /api/releases: the published releases with their files and checksums."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from releases.selectors import release_archive, release_files_listed, releases_published

router = Router(tags=["releases"])


class ReleaseFileOut(Schema):
    name: str
    sha256: str
    bytes: int
    url: str


class ReleaseOut(Schema):
    id: int
    arena: str
    modality: str
    number: int
    cutoff: datetime
    date_start: datetime | None
    date_end: datetime | None
    published_at: datetime | None
    counts: dict[str, object]
    files: list[ReleaseFileOut]
    archive: ReleaseFileOut | None  # every file in one .tar.gz; sha256 from its .sha256 file


@router.get("", response=list[ReleaseOut])
def releases_list(request: HttpRequest) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for release in releases_published():
        files = [
            {"name": name, "sha256": facts["sha256"], "bytes": facts["bytes"],
             "url": reverse("releases:download", args=[release.id, name])}
            for name, facts in release_files_listed(release).items()
        ]
        found = release_archive(release)
        archive = found and {"name": found["name"], "sha256": found["sha256"], "bytes": found["bytes"],
                             "url": reverse("releases:archive", args=[release.id])}
        out.append({
            "id": release.id, "arena": release.policy.arena.slug,
            "modality": release.policy.arena.modality, "number": release.number,
            "cutoff": release.cutoff, "date_start": release.date_start,
            "date_end": release.date_end, "published_at": release.published_at,
            "counts": release.counts, "files": files, "archive": archive,
        })
    return out
