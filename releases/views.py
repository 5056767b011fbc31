"""The public release pages: the list and file downloads (published releases only)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from releases.selectors import (
    release_archive,
    release_archive_path,
    release_file_path,
    release_files_listed,
    releases_published,
)


@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    releases = []
    for release in releases_published():
        files = release_files_listed(release)
        media = [name for name in files if name.startswith("media/")]
        top = {name: facts for name, facts in files.items() if not name.startswith("media/")}
        releases.append({"release": release, "files": top, "media_count": len(media),
                         "archive": release_archive(release)})
    return render(request, "releases/list.html", {"releases": releases})


@require_GET
def release_download(request: HttpRequest, release_id: int, name: str) -> FileResponse:
    path = release_file_path(release_id=release_id, name=name)
    if path is None or not path.is_file():
        raise Http404("No such file in a published release.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_GET
def release_archive_download(request: HttpRequest, release_id: int) -> FileResponse:
    path = release_archive_path(release_id=release_id)
    if path is None:
        raise Http404("No archive for a published release with this id.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
