"""The consent page: terms of use, versioned; consent sets the annotator cookie."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from annotators.cookies import annotator_cookie_set
from annotators.models import Annotator
from annotators.services import annotator_consent, terms_current
from battles.rendering import markdown_to_safe_html


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    terms = terms_current()
    if terms is None:
        # Nothing to accept: issue an identity so the arena works on a deployment without terms.
        response = redirect(_safe_next(request))
        if request.annotator is None:  # type: ignore[attr-defined]
            annotator_cookie_set(response, Annotator.objects.create().id)
        return response
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            return HttpResponseBadRequest("You need to accept the terms to take part.")
        try:
            version = int(request.POST.get("version", ""))
            annotator = annotator_consent(
                annotator=request.annotator,  # type: ignore[attr-defined]
                version=version,
                release_consent=request.POST.get("release") == "yes",
            )
        except ValueError as error:
            return render(
                request,
                "annotators/consent.html",
                {"terms": terms, "terms_html": markdown_to_safe_html(terms.body),
                 "next": _safe_next(request), "error": str(error) or "Invalid form."},
                status=400,
            )
        response = redirect(_safe_next(request))
        annotator_cookie_set(response, annotator.id)
        return response
    return render(
        request,
        "annotators/consent.html",
        {"terms": terms, "terms_html": markdown_to_safe_html(terms.body),
         "next": _safe_next(request)},
    )
