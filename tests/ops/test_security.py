"""Security at the edges: CSRF, other people's battles, markup in prompts and answers,
oversized bodies and WebSocket frames."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from annotators.models import Annotator
from arena.launcher.__main__ import _dev_secrets
from battles.models import Battle, Generation, Turn, Vote
from tests.factories import (
    annotator_create,
    arena_create,
    battle_ready,
    client_for,
    contender_create,
)
from tests.ops.ws import battle_run, communicator_for, db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _vote(client: Client, battle: Battle, **body: object) -> object:
    payload = {"choice": "a", "idempotency_key": "security-key-1", **body}
    return client.post(f"/api/battles/{battle.id}/vote", payload, content_type="application/json")


@pytest.mark.django_db
def test_it_refuses_a_vote_without_the_csrf_token(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    response = _vote(client_for(alice, enforce_csrf=True), battle)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.json()["code"] == "csrf_failed"  # type: ignore[attr-defined]
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_it_keeps_bob_out_of_alices_battle(alice: Annotator) -> None:
    bob = annotator_create()
    battle = battle_ready(annotator=alice)
    assert _vote(client_for(bob), battle).status_code == 403  # type: ignore[attr-defined]
    assert client_for(bob).get(f"/api/battles/{battle.id}").status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_it_renders_markup_in_prompts_and_answers_inert(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    Turn.objects.filter(battle=battle).update(prompt=XSS)
    Generation.objects.filter(turn__battle=battle).update(text=XSS)
    body = client_for(alice).get(f"/api/battles/{battle.id}").json()
    assert body["turns"][0]["prompt"] == XSS  # data as text, for the page to set as textContent
    for side in ("a", "b"):
        tags = _tags(body["turns"][0][side]["html"])
        assert not [t for t in tags if t[0] in {"script", "img", "iframe"}]
        attributes = [(name, value or "") for _, attrs in tags for name, value in attrs]
        assert not [a for a in attributes if a[0].startswith("on") or "javascript:" in a[1]]


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements a browser would build from this HTML."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


@pytest.mark.django_db
def test_it_escapes_markup_in_arena_pages() -> None:
    arena = arena_create(name=XSS, description=XSS)
    page = Client().get("/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    detail = Client().get(f"/api/arenas/{arena.slug}").json()
    assert detail["name"] == XSS


@pytest.mark.django_db
def test_it_refuses_an_oversized_body_and_changes_nothing(alice: Annotator) -> None:
    battle = battle_ready(annotator=alice)
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = _vote(client_for(alice), battle, rationale=huge)
    assert response.status_code in {400, 413, 422}  # type: ignore[attr-defined]
    assert not Vote.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_it_refuses_an_oversized_websocket_frame(alice: Annotator) -> None:
    slug = await db(lambda: arena_create().slug)
    communicator = communicator_for(alice)
    await communicator.connect()
    frame = json.dumps({"type": "start", "arena": slug,
                        "prompt": "x" * settings.ARENA_MAX_WS_MESSAGE_BYTES})
    await communicator.send_to(text_data=frame)
    answer = await communicator.receive_json_from(timeout=10)
    await communicator.disconnect()
    assert answer["code"] == "too_large"
    assert await db(lambda: Battle.objects.count()) == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
async def test_metrics_read_around_one_battle_do_not_name_its_contenders(
    alice: Annotator,
) -> None:
    """Issue #15: diffing /metrics before and after one battle showed which two contenders'
    counters moved. Even with the token, no series names a contender."""
    def setup() -> tuple[str, list[str]]:
        arena = arena_create(slug="metrics-probe")
        slugs = [contender_create(arena=arena).slug for _ in range(3)]
        return arena.slug, slugs

    def scrape() -> set[str]:
        with override_settings(METRICS_TOKEN="probe-token"):
            response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer probe-token")
        assert response.status_code == 200
        return set(response.content.decode().splitlines())

    slug, contenders = await db(setup)
    before = await db(scrape)
    messages = await battle_run(alice, {"arena": slug, "prompt": "Which one are you?"})
    assert messages[-1]["type"] == "turn_done"
    after = await db(scrape)
    moved = "\n".join(after - before)
    assert f'arena="{slug}"' in moved  # the arena's series moved...
    for name in contenders:  # ...but none says which contenders answered
        assert name not in "\n".join(after)
    assert "contender=" not in "\n".join(after)


def test_make_run_keeps_a_metrics_token_with_the_other_dev_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SECRET_KEY", "RELEASE_PSEUDONYM_SECRET", "METRICS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    _dev_secrets(tmp_path)
    token = os.environ["METRICS_TOKEN"]
    assert token and (tmp_path / "metrics_token").read_text().strip() == token
    assert (tmp_path / "metrics_token").stat().st_mode & 0o077 == 0
