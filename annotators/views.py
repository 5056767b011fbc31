"""The consent page: terms of use, versioned; consent sets the annotator cookie."""

from __future__ import annotations

import contextlib

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from annotators.cookies import annotator_cookie_set
from annotators.limits import RateLimited, identity_rate_limit
from annotators.models import Annotator
from annotators.services import annotator_consent, terms_current
from battles.rendering import markdown_to_safe_html


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _new_identities_limited(request: HttpRequest) -> contextlib.AbstractContextManager[None]:
    """Counts against the per-address limit only when this request would mint a new annotator;
    an existing one renewing consent is free."""
    if request.annotator is None:  # type: ignore[attr-defined]
        return identity_rate_limit(request=request)
    return contextlib.nullcontext()


def identities_limit_response(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """The 429 for too many new identities from one address: a page, or JSON if asked for."""
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"code": error.code, "message": error.message}, status=error.status
        )
    else:
        response = render(request, "annotators/rate_limited.html", {"message": error.message},
                          status=error.status)
    response["Retry-After"] = str(error.retry_after_s)
    return response


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    terms = terms_current()
    if terms is None:
        # Nothing to accept: issue an identity so the arena works on a deployment without terms.
        response = redirect(_safe_next(request))
        if request.annotator is None:  # type: ignore[attr-defined]
            try:
                with _new_identities_limited(request):
                    annotator_cookie_set(response, Annotator.objects.create().id)
            except RateLimited as error:
                return identities_limit_response(request, error)
        return response
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            return HttpResponseBadRequest("You need to accept the terms to take part.")
        try:
            version = int(request.POST.get("version", ""))
            with _new_identities_limited(request):
                annotator = annotator_consent(
                    annotator=request.annotator,  # type: ignore[attr-defined]
                    version=version,
                    release_consent=request.POST.get("release") == "yes",
                )
        except RateLimited as error:
            return identities_limit_response(request, error)
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
