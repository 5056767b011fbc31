"""The web side of worker-made sides: relay what the workers report to the battle's WebSocket
until both sides have ended.

Workers publish `progress`, `side_done` (with the media URL) and `side_failed` to the group
`battle.<uuid>` (battles/sides/worker.py). The relay joins that group for the turn from a task of
its own, not through the consumer's channel-layer listener, so a Redis restart cannot cut off
a socket (tests/ops/test_faults.py). The database stays the truth: while it waits, the relay
reads which sides have ended, so a message lost with Redis, or published before the relay
joined, still ends the side on the page. Closing the page stops the relay, not the generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer

from battles.modalities import modality_spec
from battles.models import Generation, GenerationStatus
from battles.services.generations import generation_fail
from battles.sides.media import media_public
from battles.sides.plan import Send, SidePlan

logger = logging.getLogger(__name__)

GROUP_MESSAGE = "battle.event"
DB_CHECK_S = 1.0
QUEUE_WAIT_S = 120.0  # how long a side may wait for a free worker before it fails
ENDED = ("side_done", "side_failed")


def battle_group(battle_id: object) -> str:
    return f"battle.{battle_id}"


def _sides_ended(
    pending: dict[str, int], turn_index: int, answer: str = "answer"
) -> list[dict[str, Any]]:
    """The messages a worker sent, or would have sent, for sides the database says ended."""
    messages: list[dict[str, Any]] = []
    ended = Generation.objects.filter(id__in=pending.values()).exclude(
        status=GenerationStatus.STREAMING).select_related("media")
    for generation in ended:
        media = getattr(generation, "media", None)
        if generation.status == GenerationStatus.DONE and media is not None:
            messages.append({"type": "side_done", "side": generation.side, "turn": turn_index,
                             "html": "", "media": media_public(media)})
        else:
            messages.append({"type": "side_failed", "side": generation.side, "turn": turn_index,
                             "error": generation.error or f"This {answer} could not be made."})
    return messages


def _sides_expire(pending: dict[str, int], answer: str = "answer") -> None:
    for generation_id in pending.values():
        generation_fail(generation_id=generation_id,
                        error=f"No worker was free to make this {answer} in time.")


async def _read(layer: BaseChannelLayer, channel: str, inbox: asyncio.Queue[dict[str, Any]]) -> None:
    try:
        while True:
            event = await layer.receive(channel)
            if event.get("type") == GROUP_MESSAGE:
                inbox.put_nowait(event["message"])
    except Exception:
        logger.warning("channel layer unavailable; following the database only", exc_info=True)


async def worker_turn_follow(
    *, battle_id: object, turn_index: int, plans: Sequence[SidePlan], send: Send
) -> None:
    """Relay both sides' progress and outcome (queued by the battle service as the turn was
    stored); returns once both have ended."""
    layer = get_channel_layer()
    assert layer is not None, "worker sides need CHANNEL_LAYERS"
    spec = modality_spec(plans[0].modality)
    answer = spec.answer_noun
    group = battle_group(battle_id)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    channel: str | None = None
    try:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
    except Exception:
        logger.warning("channel layer unavailable; following the database only", exc_info=True)
        channel = None
    reader = asyncio.create_task(_read(layer, channel, inbox)) if channel else None
    try:
        notice = spec.turn_notice(plans[0].request, turn_index)
        if notice is not None:
            await send(notice)
        pending = {plan.side: plan.generation_id for plan in plans}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(p.settings.total_timeout for p in plans) + QUEUE_WAIT_S
        while pending:
            try:
                found = [await asyncio.wait_for(inbox.get(), DB_CHECK_S)]
            except TimeoutError:
                if loop.time() > deadline:
                    await database_sync_to_async(_sides_expire)(dict(pending), answer)
                found = await database_sync_to_async(_sides_ended)(dict(pending), turn_index,
                                                                   answer)
            for message in found:
                if message.get("turn") != turn_index or message.get("side") not in pending:
                    continue
                if message["type"] in ENDED:
                    del pending[message["side"]]
                await send(message)
    finally:
        if reader is not None and channel is not None:
            reader.cancel()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await layer.group_discard(group, channel)
