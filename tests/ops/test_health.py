"""Liveness, readiness and metrics endpoints, against the real PostgreSQL and Redis."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.test import Client, override_settings

from arena import health, metrics
from tests.factories import annotator_create, battle_ready, client_for

pytestmark = pytest.mark.django_db


def test_it_is_alive_without_touching_dependencies() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_is_ready_when_every_dependency_answers() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}


def test_it_answers_probes_from_any_host_over_plain_http() -> None:
    with override_settings(ALLOWED_HOSTS=["arena.example"], SECURE_SSL_REDIRECT=True):
        response = Client().get("/readyz", HTTP_HOST="10.0.0.7:8000")
        page = Client().get("/", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert page.status_code == 400


def test_it_names_the_dependency_that_is_down() -> None:
    with override_settings(
        REDIS_URL="redis://127.0.0.1:1/0", CELERY_BROKER_URL="redis://127.0.0.1:1/0"
    ):
        response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis", "broker"]
    assert body["checks"]["database"] == "ok"


def test_it_counts_battles_and_votes_once(django_capture_on_commit_callbacks: Any) -> None:
    alice = annotator_create()
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_ready(annotator=alice)
    slug = battle.arena.slug
    before = metrics.votes_stored.labels(arena=slug)._value.get()
    for _ in range(2):  # the retry replays the stored vote
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(alice).post(
                f"/api/battles/{battle.id}/vote",
                {"choice": "a", "idempotency_key": "metrics-key-1"},
                content_type="application/json",
            )
        assert response.status_code == 200
    assert metrics.votes_stored.labels(arena=slug)._value.get() == before + 1
    text = _scrape()
    assert f'arena_votes_stored_total{{arena="{slug}"}} 1.0' in text
    assert f'arena_battles_started_total{{arena="{slug}",mode="anonymous"}} 1.0' in text


def test_it_reports_recompute_durations_from_any_process() -> None:
    metrics.recompute_observe("text-main", 1.5)
    metrics.recompute_observe("text-main", 0.5)
    text = _scrape()
    assert 'arena_recomputes_total{arena="text-main"} 2.0' in text
    assert 'arena_recompute_seconds_total{arena="text-main"} 2.0' in text
    assert 'arena_recompute_last_seconds{arena="text-main"} 0.5' in text


def _scrape() -> str:
    with override_settings(METRICS_TOKEN="scrape-token"):
        response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert response.status_code == 200
    return str(response.content.decode())


def test_metrics_are_closed_while_no_token_is_set() -> None:
    """Issue #15: /metrics was public by default."""
    with override_settings(METRICS_TOKEN=""):
        response = Client().get("/metrics")
    assert response.status_code == 403
    assert response.json()["code"] == "metrics_disabled"
    assert b"arena_" not in response.content


def test_it_keeps_metrics_behind_the_token_when_one_is_set() -> None:
    with override_settings(METRICS_TOKEN="s3cret-token"):
        assert Client().get("/metrics").status_code == 401
        wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
        right = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert b"arena_websocket_connections" in right.content


def test_it_answers_readiness_without_waiting_for_a_hung_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A frozen dependency holds its check until its own timeouts; the probe does not wait."""
    release = threading.Event()
    monkeypatch.setitem(health.CHECKS, "database", lambda: None if release.wait(60) else None)
    try:
        response = Client().get("/readyz")
        still_hung = not release.is_set()
    finally:
        release.set()
    assert still_hung
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"] == {
        "database": "unavailable (timeout)", "redis": "ok", "broker": "ok"
    }
