"""Oversized HTTP bodies are refused at the ASGI edge, before Django reads or spools them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings

from arena.asgi import application
from arena.body_limit import BodySizeLimit
from battles.models import Vote
from tests.factories import annotator_create, battle_ready

Message = dict[str, Any]


async def call(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes], path: str = "/x"
) -> list[Message]:
    """Drive ``app`` with one HTTP request sent in ``chunks``; what it sent back."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1"), *headers],
             "client": ("127.0.0.1", 1234), "server": ("127.0.0.1", 80)}
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
               for i, c in enumerate(chunks)]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


class Recorder:
    """An inner app that reads the whole body and answers 200, noting what it read."""

    def __init__(self) -> None:
        self.read = 0

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        more = True
        while more:
            message = await receive()
            self.read += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def test_a_declared_length_over_the_limit_is_refused_without_calling_the_app() -> None:
    inner = Recorder()
    sent = await call(BodySizeLimit(inner, 100), [(b"content-length", b"101")], [b"x" * 101])
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "body_too_large"
    assert inner.read == 0


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit() -> None:
    inner = Recorder()
    sent = await call(BodySizeLimit(inner, 100), [], [b"x" * 60, b"x" * 60, b"x" * 60])
    assert sent[0]["status"] == 413
    assert inner.read == 60  # the chunk that crossed the limit was never handed over


async def test_bodies_within_the_limit_pass_untouched() -> None:
    inner = Recorder()
    sent = await call(BodySizeLimit(inner, 100), [(b"content-length", b"100")], [b"x" * 50, b"x" * 50])
    assert sent[0]["status"] == 200 and inner.read == 100


@pytest.mark.django_db(transaction=True)
async def test_the_platform_refuses_a_huge_vote_at_the_edge_and_stores_nothing() -> None:
    from channels.db import database_sync_to_async

    battle = await database_sync_to_async(lambda: battle_ready(annotator=annotator_create()))()
    size = settings.HTTP_MAX_BODY_BYTES + 1
    sent = await call(application, [(b"content-length", str(size).encode()),
                                    (b"content-type", b"application/json")],
                      [b"{" + b" " * (size - 2) + b"}"], path=f"/api/battles/{battle.id}/vote")
    assert sent[0]["status"] == 413
    assert not await Vote.objects.filter(battle=battle).aexists()
