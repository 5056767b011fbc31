"""One side of a music or image turn, made in a Celery worker.

A real model takes seconds (an image) to minutes (a track) per answer, so media sides are made
in workers, not in the web process: a closed or reloaded page no longer cancels them, and a GPU
machine can serve the queue. The worker runs the same side runner
as before (battles/side_runners.py: cleaning, storing, failing on its own) and publishes its
messages to the battle's group, where the page's relay picks them up (battles/worker_relay.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.layers import get_channel_layer

from battles.models import Generation, GenerationStatus
from battles.provider_config import provider_settings_for
from battles.side_runners import WORKER_RUNNERS
from battles.streaming import SidePlan
from battles.worker_relay import GROUP_MESSAGE, battle_group

logger = logging.getLogger(__name__)


def _plan_for(generation_id: int) -> tuple[SidePlan, int, str] | None:
    """What the side needs, re-read from the database; None when it has already ended."""
    generation = Generation.objects.select_related(
        "turn__battle__arena", "turn__battle__contender_a", "turn__battle__contender_b"
    ).filter(id=generation_id).first()
    if generation is None or generation.status != GenerationStatus.STREAMING:
        return None
    turn = generation.turn
    battle = turn.battle
    contender = battle.contender_a if generation.side == "a" else battle.contender_b
    plan = SidePlan(
        generation.side, generation.id, provider_settings_for(contender), [], contender.id,
        (battle.arena.slug, contender.slug), modality=battle.arena.modality, prompt=turn.prompt,
        request=dict(turn.request or {}), arena_settings=dict(battle.arena.settings or {}),
        battle_id=str(battle.id),
    )
    return plan, turn.index, str(battle.id)


async def _generate(plan: SidePlan, turn_index: int, group: str) -> None:
    layer = get_channel_layer()
    assert layer is not None, "worker sides need CHANNEL_LAYERS"

    async def publish(message: dict[str, Any]) -> None:
        try:
            await layer.group_send(group, {"type": GROUP_MESSAGE, "message": message})
        except Exception:  # the relay reads the outcome from the database too
            logger.warning("could not publish %s to %s", message.get("type"), group, exc_info=True)

    await WORKER_RUNNERS[plan.modality](plan, turn_index, publish)


def worker_side_generate(*, generation_id: int) -> bool:
    """Make, clean and store one side's image or track; False (and nothing done) when it
    already ended, so a task delivered twice, or re-run after a worker died, makes at most one."""
    loaded = _plan_for(generation_id)
    if loaded is None:
        return False
    plan, turn_index, battle_id = loaded
    asyncio.run(_generate(plan, turn_index, battle_group(battle_id)))
    return True
