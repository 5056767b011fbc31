"""The JSON API under /api/, with its OpenAPI schema at /api/schema.

Each app contributes a router; errors from services come back as
`{"code": ..., "message": ...}` with the status the service chose.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from battles.api import router as battles_router
from battles.services.errors import ArenaError

api = NinjaAPI(
    title="Arena API",
    version="1",
    description="Arenas, battles and votes. Contender identities appear only after a vote.",
    openapi_url="/schema",
    docs_url=None,  # the bundled docs page loads assets from a CDN; deployments may be offline
    urls_namespace="api",
)


@api.exception_handler(ArenaError)
def _arena_error(request: HttpRequest, error: ArenaError) -> HttpResponse:
    return api.create_response(
        request, {"code": error.code, "message": error.message}, status=error.status
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "invalid", "message": "The request is malformed.", "errors": error.errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "consent_required", "message": "Please accept the terms of use first."},
        status=401,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    code = "csrf_failed" if error.status_code == 403 else "error"
    return api.create_response(
        request, {"code": code, "message": str(error)}, status=error.status_code
    )


api.add_router("/", battles_router)
