"""Study pages (the annotator's page and the researcher's results) and answer media."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from annotators.services.consent import annotator_needs_consent
from studies.analysis import study_analysis
from studies.errors import ArenaError
from studies.models import Study, StudyCandidate
from studies.selectors import study_progress
from studies.services.access import researcher_required
from studies.services.setup import prompt_set_import


@ensure_csrf_cookie
def study_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The annotator's page; the module asks the API for the current item."""
    study = get_object_or_404(Study, slug=slug)
    if annotator_needs_consent(getattr(request, "annotator", None)):
        return redirect(reverse("annotators:consent") + "?" + urlencode(
            {"next": request.get_full_path()}))
    return render(request, "studies/study.html",
                  {"study": study, "invite": request.GET.get("invite", "")})


def study_results(request: HttpRequest, slug: str) -> HttpResponse:
    """Progress, agreement and the board, for researchers and admins."""
    try:
        researcher_required(request.user)
    except ArenaError:
        return redirect(reverse("admin:login") + "?" + urlencode({"next": request.path}))
    study = get_object_or_404(Study.objects.select_related("arena"), slug=slug)
    return render(request, "studies/results.html",
                  {"study": study, "progress": study_progress(study=study),
                   "analysis": study_analysis(study=study)})


@require_POST
def study_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """The results page's upload form: the same import as the API, its message on the page."""
    try:
        researcher_required(request.user)
    except ArenaError:
        return redirect(reverse("admin:login") + "?" + urlencode({"next": request.path}))
    study = get_object_or_404(Study.objects.select_related("arena"), slug=slug)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a JSONL or CSV file to upload.")
    else:
        fmt = "csv" if (upload.name or "").lower().endswith(".csv") else "jsonl"
        try:
            added = prompt_set_import(study=study, data=upload.read(), fmt=fmt)
        except ArenaError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{added} prompts imported; their answers are being made.")
    return redirect("studies:results", slug=slug)


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
