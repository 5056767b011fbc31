"""Study pages and the media of study answers."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from studies.models import StudyCandidate


@require_GET
def candidate_media(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """An answer's normalized file, only for an annotator who holds a slot of its item."""
    annotator = getattr(request, "annotator", None)
    candidate = StudyCandidate.objects.filter(pk=candidate_id).exclude(media_name="").first()
    if candidate is None or annotator is None or not candidate.item.slots.filter(
        annotator=annotator
    ).exists():
        raise Http404("No such file.")
    with default_storage.open(candidate.media_name, "rb") as handle:
        response = HttpResponse(handle.read(), content_type=candidate.media_content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
