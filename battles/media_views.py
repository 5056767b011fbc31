"""Serving battle media: only to the annotator whose battle produced it.

Anyone else gets the same 404 as for a file that does not exist, so a URL leaks nothing. The
response carries no file name and no validators that could tie two battles' files together.
"""

from __future__ import annotations

import re
import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from battles.models import MediaAsset

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@require_GET
def media_serve(request: HttpRequest, asset_id: uuid.UUID) -> HttpResponse:
    annotator = getattr(request, "annotator", None)
    asset = (
        MediaAsset.objects.filter(id=asset_id).select_related("generation__turn__battle").first()
    )
    if asset is None or annotator is None or (
        asset.generation.turn.battle.annotator_id != annotator.id
    ):
        raise Http404("No such file.")
    with asset.file.open("rb") as handle:
        data = handle.read()
    response = _ranged(request, data, asset.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Accept-Ranges"] = "bytes"
    return response


def _ranged(request: HttpRequest, data: bytes, content_type: str) -> HttpResponse:
    """Audio players seek with Range requests; serve the one range they ask for."""
    match = _RANGE.match(request.headers.get("Range", ""))
    if not match or not (match.group(1) or match.group(2)):
        return HttpResponse(data, content_type=content_type)
    size = len(data)
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    else:
        start, end = max(0, size - int(match.group(2))), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    response = HttpResponse(data[start:end + 1], content_type=content_type, status=206)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
