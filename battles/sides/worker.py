"""One worker-made side (image, music, 3D), run in a Celery worker.

A real model takes seconds (an image) to minutes (a track) per answer, so these sides are made
in workers, not in the web process: a closed or reloaded page does not cancel them, and a GPU
machine can serve the queue. The worker runs the modality's runner (normalizing, storing and
failing on its own through battles/sides/guard.py) and publishes its messages to the battle's
group, where the page's relay picks them up (battles/sides/relay.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.layers import get_channel_layer

from battles.modalities import modality_spec
from battles.models import Generation, GenerationStatus, Turn
from battles.sides.plan import SidePlan, side_plan
from battles.sides.relay import GROUP_MESSAGE, battle_group

logger = logging.getLogger(__name__)


def _plan_for(generation_id: int) -> tuple[SidePlan, int] | None:
    """What the side needs, re-read from the database; None when it has already ended."""
    generation = Generation.objects.select_related(
        "turn__battle__arena", "turn__battle__contender_a", "turn__battle__contender_b"
    ).filter(id=generation_id).first()
    if generation is None or generation.status != GenerationStatus.STREAMING:
        return None
    turn = generation.turn
    turns: list[Turn] = [turn]
    if turn.index:
        turns = list(Turn.objects.filter(battle=turn.battle, index__lte=turn.index)
                     .prefetch_related("generations").order_by("index"))
    return side_plan(turn.battle, turns, generation.side, generation.id), turn.index


async def _generate(plan: SidePlan, turn_index: int, group: str) -> None:
    layer = get_channel_layer()
    assert layer is not None, "worker sides need CHANNEL_LAYERS"

    async def publish(message: dict[str, Any]) -> None:
        try:
            await layer.group_send(group, {"type": GROUP_MESSAGE, "message": message})
        except Exception:  # the relay reads the outcome from the database too
            logger.warning("could not publish %s to %s", message.get("type"), group, exc_info=True)

    await modality_spec(plan.modality).runner(plan, turn_index, publish)


def worker_side_generate(*, generation_id: int) -> bool:
    """Make, normalize and store one side's answer; False (and nothing done) when it already
    ended, so a task delivered twice, or re-run after a worker died, makes at most one."""
    loaded = _plan_for(generation_id)
    if loaded is None:
        return False
    plan, turn_index = loaded
    asyncio.run(_generate(plan, turn_index, battle_group(plan.battle_id)))
    return True
