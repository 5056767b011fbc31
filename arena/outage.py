"""A database or Redis outage answers 503 "retry shortly", wherever the error was raised.

Django turns an exception into a response inside the middleware that raised it, so an outer
middleware never sees the exception itself, only a 500. The `got_request_exception` signal,
which Django sends for exactly the exceptions it turns into 500s, marks the request; this
middleware, outside every middleware that may touch the database, then swaps the 500 for a 503:
the API's JSON shape (as `arena/api.py` answers from inside its views) under /api/, a short page
elsewhere. A client (and the battle page's script) retries a 503; a 500 says "a bug".
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

import redis
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

OUTAGES = (OperationalError, InterfaceError, redis.RedisError)
MESSAGE = "The service is briefly unavailable; please retry."
_MARK = "_arena_dependency_outage"


def _mark_outage(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OUTAGES):
        setattr(request, _MARK, error)


def outage_response(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        body = json.dumps({"code": "unavailable", "message": MESSAGE, "retryable": True})
        response = HttpResponse(body, content_type="application/json", status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = "1"
    response["Cache-Control"] = "no-store"
    return response


class OutageLogFilter(logging.Filter):
    """Drops Django's "Internal Server Error" record (with its traceback) for an outage: the
    client got a 503, and the middleware below logs one line that says so."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], OUTAGES))


class DependencyOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(_mark_outage, dispatch_uid="arena.outage")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, _MARK, None)
        if error is None:
            return response
        logger.warning("dependency unavailable during %s %s: %s",
                       request.method, request.path, error)
        outage = outage_response(request)
        outage._has_been_logged = True  # type: ignore[attr-defined]  # logged above, once
        return outage
