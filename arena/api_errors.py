"""Every answer under /api/ that is an error has one shape: JSON `{"code", "message"}`.

Ninja's exception handlers (arena/api.py) shape the errors raised inside an operation. Some
answers are made before or around it, in Django's own HTML: a path that matches no operation
(`/api/battles/0` fails the uuid converter), a method an operation does not take, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, a CSRF refusal, an unhandled exception. The middleware rewrites
those, so a client never has to parse a page to learn what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, JsonResponse

API_PREFIX = "/api/"
KEPT_HEADERS = ("Allow", "Retry-After")
CODES_BY_STATUS = {
    400: ("malformed", "The request is malformed."),
    401: ("unauthorized", "Please accept the terms of use first."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("body_too_large", "The request body is too large."),
    422: ("invalid", "The request is malformed."),
    429: ("rate_limited", "Too many requests; please wait."),
    500: ("internal", "Something went wrong on our side. Please try again."),
    503: ("unavailable", "The service is briefly unavailable; please retry."),
}


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def api_error_for_status(status: int) -> JsonResponse:
    code, message = CODES_BY_STATUS.get(status, ("error", "The request failed."))
    return api_error(status, code, message)


class ApiErrorShapeMiddleware:
    """Turns a non-JSON error answer under /api/ into `{"code", "message"}` with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        shaped = api_error_for_status(response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
