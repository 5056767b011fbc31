"""The Celery application: configured from Django settings, tasks discovered per app."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")

app = Celery("arena")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _metrics_port(**_: object) -> None:
    """A worker serves no HTTP, yet it observes the image and music providers (their latency and
    errors) and recomputes: with WORKER_METRICS_PORT set, it serves the sum over its processes
    (PROMETHEUS_MULTIPROC_DIR) on that port for Prometheus. Internal only: no token here."""
    port = os.environ.get("WORKER_METRICS_PORT")
    if not port:
        return
    from prometheus_client import start_http_server

    from arena.metrics import metrics_registry

    start_http_server(int(port), registry=metrics_registry())
