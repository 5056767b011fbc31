"""Attach `request.annotator` (or None) from the signed cookie."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from annotators.cookies import annotator_id_from_cookie
from annotators.services.standing import annotator_load_current


class AnnotatorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        annotator_id = annotator_id_from_cookie(
            request.COOKIES.get(settings.ARENA_ANNOTATOR_COOKIE)
        )
        # With the current terms and its standing: the consent and ban checks of this request
        # read them from here instead of asking again.
        request.annotator = (  # type: ignore[attr-defined]
            annotator_load_current(annotator_id) if annotator_id else None
        )
        return self.get_response(request)
