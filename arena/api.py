"""The JSON API under /api/, with its OpenAPI schema at /api/schema.

Each app contributes a router; errors from services come back as
`{"code": ..., "message": ...}` with the status the service chose. So do ninja's own errors
(handlers here) and Django's (arena/api_errors.py); the schema documents every status an
operation can answer (arena/api_schema.py).
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from arena.api_schema import ArenaAPI
from arena.outage import outage_response
from battles.api import router as battles_router
from battles.services.errors import ArenaError
from leaderboard.api import router as leaderboard_router
from releases.api import router as releases_router
from studies.api import router as studies_router

logger = logging.getLogger(__name__)


api = ArenaAPI(
    title="Arena API",
    version="1",
    description="Arenas, battles and votes. Contender identities appear only after a vote.",
    openapi_url="/schema",
    docs_url=None,  # the bundled docs page loads assets from a CDN; deployments may be offline
    urls_namespace="api",
)


@api.exception_handler(ArenaError)
def _arena_error(request: HttpRequest, error: ArenaError) -> HttpResponse:
    response = api.create_response(
        request, {"code": error.code, "message": error.message}, status=error.status
    )
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after is not None:  # rate limits say when the window frees up
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "invalid", "message": "The request is malformed.", "errors": error.errors},
        status=422,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(
        request, {"code": "not_found", "message": "There is nothing at this address."}, status=404
    )


@api.exception_handler(RequestDataTooBig)
def _body_too_large(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request, {"code": "body_too_large", "message": "The request body is too large."},
        status=413,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "consent_required", "message": "Please accept the terms of use first."},
        status=401,
    )


def _dependency_unavailable(request: HttpRequest, error: Any) -> HttpResponse:
    """A lost database or Redis connection: a clear 503 that tells the client to retry.

    Votes carry an idempotency key, so a retry after a 503 is counted once even if the first
    attempt did commit before the connection dropped.
    """
    logger.warning("dependency unavailable during %s %s: %s", request.method, request.path, error)
    return outage_response(request)  # one shape for the API and the outage middleware


api.add_exception_handler(OperationalError, _dependency_unavailable)
api.add_exception_handler(InterfaceError, _dependency_unavailable)
# Redis holds rate-limit counters; while it restarts, the same retryable answer.
api.add_exception_handler(redis.RedisError, _dependency_unavailable)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # Ninja raises 400 for a body that is not JSON and 403 for a failed CSRF check.
    code = {400: "malformed", 403: "csrf_failed"}.get(error.status_code, "error")
    return api.create_response(
        request, {"code": code, "message": str(error)}, status=error.status_code
    )


api.add_router("/", battles_router)
api.add_router("/", leaderboard_router)
api.add_router("/releases", releases_router)
api.add_router("/", studies_router)
