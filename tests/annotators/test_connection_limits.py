"""Caps on open battle WebSockets per annotator and per address, held in Redis."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from annotators.connection_limits import TooManyConnections, websocket_lease_take
from annotators.models import Annotator
from tests.factories import annotator_create
from tests.ops.ws import communicator_for, db

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def _from(annotator: Annotator | None, ip: str) -> WebsocketCommunicator:
    communicator = communicator_for(annotator)
    communicator.scope["client"] = (ip, 40000)
    return communicator


async def _open(communicator: WebsocketCommunicator) -> dict[str, Any] | None:
    """Connect; the refusal message if the socket was refused, else None."""
    connected, _ = await communicator.connect()
    assert connected
    if await communicator.receive_nothing(timeout=0.3):
        return None
    message: dict[str, Any] = await communicator.receive_json_from()
    return message


async def test_one_annotator_cannot_hold_more_sockets_than_the_cap(settings: Any) -> None:
    """Issue #15: one annotator opened 200 sockets in 2.6 s."""
    settings.ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR = 2
    alice = await db(annotator_create)
    first, second = _from(alice, "192.0.2.1"), _from(alice, "192.0.2.2")
    assert await _open(first) is None and await _open(second) is None
    third = _from(alice, "192.0.2.3")
    refused = await _open(third)
    assert refused is not None
    assert (refused["type"], refused["code"]) == ("error", "too_many_connections")
    assert "too many" in refused["message"].lower()
    assert (await third.receive_output(timeout=2))["code"] == 4429
    await first.disconnect()  # closing a page frees its place
    again = _from(alice, "192.0.2.4")
    assert await _open(again) is None
    await second.disconnect()
    await again.disconnect()


async def test_one_address_cannot_hold_more_sockets_than_the_cap(settings: Any) -> None:
    settings.ARENA_MAX_WEBSOCKETS_PER_IP = 2
    sockets = [_from(await db(annotator_create), "198.51.100.7") for _ in range(3)]
    assert await _open(sockets[0]) is None and await _open(sockets[1]) is None
    refused = await _open(sockets[2])
    assert refused is not None and refused["code"] == "too_many_connections"
    assert await _open(_from(await db(annotator_create), "198.51.100.8")) is None
    for communicator in sockets[:2]:
        await communicator.disconnect()


def test_a_place_held_by_a_dead_process_expires(settings: Any) -> None:
    """A process that dies never releases its leases; they run out on their own."""
    settings.ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR = 1
    settings.ARENA_WEBSOCKET_LEASE_SECONDS = 1
    who = uuid.uuid4()
    websocket_lease_take(annotator_id=who, ip=None)  # never released, never renewed
    with pytest.raises(TooManyConnections):
        websocket_lease_take(annotator_id=who, ip=None)
    time.sleep(1.1)
    websocket_lease_take(annotator_id=who, ip=None).release()


def test_a_renewed_lease_keeps_its_place(settings: Any) -> None:
    settings.ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR = 1
    settings.ARENA_WEBSOCKET_LEASE_SECONDS = 2
    who = uuid.uuid4()
    lease = websocket_lease_take(annotator_id=who, ip=None)
    time.sleep(1.2)
    lease.renew()
    time.sleep(1.2)  # past the first expiry, inside the renewed one
    with pytest.raises(TooManyConnections):
        websocket_lease_take(annotator_id=who, ip=None)
    lease.release()
    websocket_lease_take(annotator_id=who, ip=None).release()
