"""Liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics).

A middleware at the top of the stack answers these three paths before host validation and the
HTTPS redirect: probes from a load balancer or an orchestrator reach the container by its IP
over plain HTTP, and must not need a Host that ALLOWED_HOSTS lists.

/metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`, and is off (403) while no
token is set: it is never public by default. "Loopback only without a token" was the other
choice, rejected because behind a reverse proxy on the same host every outside request arrives
from loopback. `make run` writes a token to .var/metrics_token. The series themselves name no
contender (see arena.metrics for why).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from arena.metrics import metrics_registry
from arena.redis_client import TIMEOUT_S, redis_client

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 0.8


def _database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections["default"].close()  # this check's own thread: back to the pool


def _redis() -> None:
    redis_client().ping()


def _broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S
        ).ping()
        return
    from arena.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=TIMEOUT_S)


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "redis": _redis, "broker": _broker}


def _json(payload: dict[str, object], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), content_type="application/json", status=status)
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and serving; says nothing about its dependencies."""
    return _json({"status": "ok"}, 200)


def _run_check(name: str, check: Callable[[], None], results: dict[str, str]) -> None:
    try:
        check()
        results[name] = "ok"
    except Exception as error:  # any failure of a dependency means "not ready"
        logger.warning("readiness check %s failed: %s", name, error)
        results[name] = f"unavailable ({type(error).__name__})"


def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to take traffic: every dependency answered. 503 names the ones that did not.

    The checks run side by side, each on a thread of its own, and the answer comes within
    READY_TIMEOUT_S whatever they do: a frozen dependency may hold its check until its own
    timeouts (connect, pool), but a probe that waits longer than its own timeout would call the
    whole process dead, not merely unready. A check still running is reported as a timeout.
    """
    results: dict[str, str] = {}
    threads = [
        threading.Thread(target=_run_check, args=(name, check, results), daemon=True,
                         name=f"readyz-{name}")
        for name, check in CHECKS.items()
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + READY_TIMEOUT_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    answered = dict(results)  # a late check may still write to `results`
    report = {name: answered.get(name, "unavailable (timeout)") for name in CHECKS}
    for name in CHECKS.keys() - answered.keys():
        logger.warning("readiness check %s: no answer within %.1f s", name, READY_TIMEOUT_S)
    failed = [name for name, result in report.items() if result != "ok"]
    if failed:
        return _json({"status": "unavailable", "failed": failed, "checks": report}, 503)
    return _json({"status": "ok", "checks": report}, 200)


def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return _json({"code": "metrics_disabled",
                      "message": "Metrics are off: set METRICS_TOKEN and scrape with "
                                 "'Authorization: Bearer <token>'."}, 403)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return _json({"code": "unauthorized", "message": "A metrics token is required."}, 401)
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)


ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": metrics,
}


class OpsEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if view is not None and request.method in {"GET", "HEAD"}:
            return view(request)
        return self.get_response(request)
