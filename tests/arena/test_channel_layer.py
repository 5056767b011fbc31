"""The Redis channel layer must survive idle periods longer than its 5 s blocking read."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer

pytestmark = pytest.mark.timeout(30)


async def test_it_keeps_listening_through_a_quiet_spell() -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    listener = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(6.5)  # past redis-py 8's default 5 s socket timeout
    assert not listener.done() or listener.exception() is None
    await layer.send(channel, {"type": "hello"})
    message = await asyncio.wait_for(listener, timeout=5)
    assert message["type"] == "hello"
