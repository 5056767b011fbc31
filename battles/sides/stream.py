"""A turn as the page sees it: both sides run (or are followed, when workers make them), then
`turn_done` says whether voting is open. Messages name only the side, never the contender."""

from __future__ import annotations

import asyncio
import uuid

from channels.db import database_sync_to_async

from battles.modalities import modality_spec
from battles.models import Battle, BattleState
from battles.services.battle_flow import TurnStarted
from battles.sides.plan import Send, plans_for
from battles.sides.relay import worker_turn_follow


@database_sync_to_async
def _battle_state(battle_id: uuid.UUID) -> str:
    return str(Battle.objects.values_list("state", flat=True).get(id=battle_id))


async def turn_stream(started: TurnStarted, send: Send) -> None:
    """Stream both sides of a freshly opened turn, then report whether voting is open."""
    plans = await plans_for(started)
    spec = modality_spec(plans[0].modality)
    if spec.in_worker:
        await worker_turn_follow(battle_id=started.battle.id, turn_index=started.turn.index,
                                 plans=plans, send=send)
    else:
        await asyncio.gather(*(spec.runner(plan, started.turn.index, send) for plan in plans))
    state = await _battle_state(started.battle.id)
    await send({
        "type": "turn_done",
        "battle_id": str(started.battle.id),
        "turn": started.turn.index,
        "state": state,
        "can_vote": state == BattleState.READY,
    })
