"""The battle WebSocket: prompts in, two anonymous streams out.

One handler per message type. The consumer authenticates the annotator from the signed cookie
in `connect`, and every rule lives in the services it calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from annotators.client_ip import client_ip_from_scope
from annotators.connection_limits import (
    ConnectionLease,
    TooManyConnections,
    lease_end,
    lease_keep,
    websocket_lease_take,
)
from annotators.cookies import annotator_id_from_cookie
from annotators.limits import prompt_rate_limit
from annotators.models import Annotator
from annotators.services.standing import annotator_blocked_reason, annotator_load_current
from arena import metrics
from arena.clean_text import data_is_clean, text_is_clean
from battles.models import Arena, BattleMode
from battles.selectors import battle_reveal
from battles.services import ArenaError, battle_start, turn_add
from battles.services.battle_flow import TurnStarted
from battles.sides.stream import turn_stream

logger = logging.getLogger(__name__)


@database_sync_to_async
def _annotator_load(cookie: str | None) -> Annotator | None:
    annotator_id = annotator_id_from_cookie(cookie)
    return annotator_load_current(annotator_id) if annotator_id else None


def _annotator_now(annotator: Annotator | None) -> Annotator | None:
    """The socket keeps its annotator for as long as the page is open; each message re-reads it
    (one statement, with the current terms) so a ban or new terms apply to the next message.
    A row that is gone is left to the standing check, which reports it."""
    if annotator is None:
        return None
    return annotator_load_current(annotator.id) or Annotator(
        id=annotator.id, consent_version=annotator.consent_version
    )


_annotator_blocked = database_sync_to_async(annotator_blocked_reason)


@database_sync_to_async
def _battle_start(
    annotator: Annotator | None, scope: dict[str, Any], content: dict[str, Any]
) -> TurnStarted:
    """Rate limit, then start: one trip to a worker thread, not two, before the first token."""
    prompt_rate_limit(annotator=annotator, scope=scope)
    slug = content.get("arena")
    arena = Arena.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if arena is None:
        raise ArenaError("No such arena.", code="arena_unknown", status=404)
    return battle_start(
        arena=arena,
        annotator=_annotator_now(annotator),
        prompt=content.get("prompt"),
        mode=content.get("mode") or BattleMode.ANONYMOUS,
        contender_a=content.get("contender_a"),
        contender_b=content.get("contender_b"),
        image=content.get("image"),
    )


@database_sync_to_async
def _turn_add(
    annotator: Annotator | None, scope: dict[str, Any], content: dict[str, Any]
) -> TurnStarted:
    prompt_rate_limit(annotator=annotator, scope=scope)
    return turn_add(
        battle_id=str(content.get("battle_id", "")), annotator=_annotator_now(annotator),
        prompt=content.get("prompt"),
    )


@database_sync_to_async
def _side_by_side_names(started: TurnStarted) -> dict[str, Any] | None:
    return battle_reveal(started.battle)


class BattleConsumer(AsyncJsonWebsocketConsumer):
    # Battles stream straight to their own socket; listening on the Redis channel layer here
    # would let a Redis restart kill every battle in flight (tests/ops/test_faults.py). Image
    # and music turns join their battle's group from the stream task instead (battles/sides/relay.py).
    channel_layer_alias = None
    annotator: Annotator | None
    stream_task: asyncio.Task[None] | None
    lease: ConnectionLease | None  # this socket's place under the caps on open sockets
    lease_keeper: asyncio.Task[None] | None

    async def connect(self) -> None:
        cookies = self.scope.get("cookies", {})
        self.annotator = await _annotator_load(cookies.get(settings.ARENA_ANNOTATOR_COOKIE))
        self.stream_task = None
        self.lease, self.lease_keeper = None, None
        await self.accept()
        metrics.websocket_connections.inc()
        try:
            self.lease = await asyncio.to_thread(
                websocket_lease_take,
                annotator_id=self.annotator.id if self.annotator else None,
                ip=client_ip_from_scope(self.scope),
            )
        except TooManyConnections as refused:
            await self.error(refused.code, refused.message)
            await self.close(code=4429)
            return
        self.lease_keeper = asyncio.create_task(lease_keep(self.lease))
        if self.annotator is None:
            await self.error("consent_required", "Please accept the terms of use first.")
        elif blocked := await _annotator_blocked(self.annotator):
            await self.error(*blocked)
            await self.close(code=4403)

    async def disconnect(self, code: int) -> None:
        metrics.websocket_connections.dec()
        if (lease := getattr(self, "lease", None)) is not None:
            await lease_end(lease, self.lease_keeper)
        if self.stream_task is not None and not self.stream_task.done():
            self.stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.stream_task

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.error("malformed", "Send JSON text messages.")
            return
        if not text_is_clean(text_data):  # checked first: a lone surrogate cannot be encoded
            await self.bad_input()
            return
        if len(text_data.encode()) > settings.ARENA_MAX_WS_MESSAGE_BYTES:
            await self.error("too_large", "That message is too large.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.error("malformed", "That message is not valid JSON.")
            return
        if not isinstance(content, dict):
            await self.error("malformed", "Messages must be JSON objects.")
            return
        if not data_is_clean(content):  # "\u0000" and "\ud800" escapes decode to bad text
            await self.bad_input()
            return
        handler = {"start": self.battle_start, "continue": self.turn_continue}.get(
            content.get("type")  # type: ignore[arg-type]
        )
        if handler is None:
            await self.error("unknown_type", "Unknown message type.")
            return
        if self.stream_task is not None and not self.stream_task.done():
            await self.error("busy", "Wait until both answers have finished.")
            return
        try:
            await handler(content)
        except ArenaError as error:
            await self.error(error.code, error.message)
        except Exception:
            logger.exception("battle message %r failed", content.get("type"))
            await self.error("internal", "Something went wrong on our side. Please try again.")

    async def battle_start(self, content: dict[str, Any]) -> None:
        started = await _battle_start(self.annotator, self.scope, content)
        message: dict[str, Any] = {
            "type": "battle_started",
            "battle_id": str(started.battle.id),
            "mode": started.battle.mode,
            "turn": started.turn.index,
        }
        if started.battle.mode == BattleMode.SIDE_BY_SIDE:
            message["names"] = await _side_by_side_names(started)
        await self.send_json(message)
        self.stream_task = asyncio.create_task(turn_stream(started, self.send_to_page))

    async def turn_continue(self, content: dict[str, Any]) -> None:
        started = await _turn_add(self.annotator, self.scope, content)
        await self.send_json(
            {"type": "turn_started", "battle_id": str(started.battle.id),
             "turn": started.turn.index}
        )
        self.stream_task = asyncio.create_task(turn_stream(started, self.send_to_page))

    async def send_to_page(self, message: dict[str, Any]) -> None:
        """What the streams send. A page that has just gone is not the provider's fault: uvicorn
        raises on a send to a closed socket (an OSError) before `disconnect` has run, which
        would fail the side as a crash and count it against the contender's health. The send
        is dropped instead; `disconnect` then cancels the stream, which records the
        interruption."""
        try:
            await self.send_json(message)
        except OSError:
            logger.debug("page gone; dropped a %s message", message.get("type"))

    async def bad_input(self) -> None:
        """Answered before any rate limit or lookup: PostgreSQL would refuse such text."""
        await self.error("bad_input", "Messages may not contain NUL characters or unpaired "
                                      "surrogates.")

    async def error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})
