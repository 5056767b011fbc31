"""The ASGI handler runs Django's middleware chain and view in one trip to the worker thread."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from channels.db import database_sync_to_async
from django.core.handlers.asgi import ASGIHandler

from annotators.cookies import annotator_cookie_value
from arena.asgi import application
from arena.asgi_handler import SyncChainASGIHandler
from battles.models import Battle, BattleState, Vote
from tests.factories import annotator_create, battle_ready


class Crossings:
    """Counts calls that move between the event loop and a worker thread, while patched in."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.to_thread = 0
        self.to_loop = 0
        to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

        async def counted_to_thread(adapter: Any, *args: Any, **kwargs: Any) -> Any:
            self.to_thread += 1
            return await to_thread(adapter, *args, **kwargs)

        def counted_to_loop(adapter: Any, *args: Any, **kwargs: Any) -> Any:
            self.to_loop += 1
            return to_loop(adapter, *args, **kwargs)

        monkeypatch.setattr(SyncToAsync, "__call__", counted_to_thread)
        monkeypatch.setattr(AsyncToSync, "__call__", counted_to_loop)


async def _request(app: Any, path: str, *, method: str = "GET", body: bytes = b"",
                   cookie: str = "", csrf: str = "") -> tuple[int, bytes]:
    """One request; the client stays connected until the answer is sent, as a browser does."""
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    if cookie:
        headers += [(b"cookie", cookie.encode()), (b"x-csrftoken", csrf.encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 1234),
             "server": ("127.0.0.1", 80)}
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # no disconnect: Django would cancel the view
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], payload


@pytest.mark.django_db(transaction=True)
async def test_a_request_crosses_to_the_worker_thread_once_and_never_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler = SyncChainASGIHandler()
    await _request(handler, "/api/arenas")  # warm: URLconf, templates, first connection
    crossings = Crossings(monkeypatch)
    status, body = await _request(handler, "/api/arenas")
    assert status == 200 and isinstance(json.loads(body), list)
    # Middleware chain and view: one crossing out. Django's signals and response.close() add
    # their own (request_started, request_finished), as with Django's handler.
    assert crossings.to_loop == 0


@pytest.mark.django_db(transaction=True)
async def test_djangos_own_handler_crosses_back_mid_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reason for ours: with a sync-only middleware, Django's comes back to the loop."""
    handler = ASGIHandler()
    await _request(handler, "/api/arenas")
    crossings = Crossings(monkeypatch)
    status, _ = await _request(handler, "/api/arenas")
    assert status == 200
    assert crossings.to_loop >= 1


@pytest.mark.django_db(transaction=True)
async def test_the_platform_stores_a_vote_and_answers_errors_through_its_handler() -> None:
    annotator = await database_sync_to_async(annotator_create)()
    battle = await database_sync_to_async(lambda: battle_ready(annotator=annotator))()
    csrf = "c" * 32
    cookie = f"arena_annotator={annotator_cookie_value(annotator.id)}; csrftoken={csrf}"
    vote = json.dumps({"choice": "b", "idempotency_key": "handler-test-1"}).encode()

    status, body = await _request(application, f"/api/battles/{battle.id}/vote", method="POST",
                                  body=vote, cookie=cookie, csrf=csrf)
    assert status == 200, body
    assert set(json.loads(body)["reveal"]) >= {"a", "b"}
    assert await database_sync_to_async(
        lambda: Vote.objects.filter(battle=battle, choice="b").exists()
        and Battle.objects.get(id=battle.id).state == BattleState.VOTED
    )()

    status, body = await _request(application, f"/api/battles/{battle.id}/vote", method="POST",
                                  body=b"{not json", cookie=cookie, csrf=csrf)
    assert status in (400, 422)
    status, _ = await _request(application, "/no/such/page/")
    assert status == 404
