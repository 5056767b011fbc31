"""Time with each side's media before a battle's vote, for modalities that declare an
`ExposureGate`: what the page's players (audio) or viewers (3D) did, and whether both sides were
heard or viewed long enough. How a stretch is measured is battles/exposure.py, shared with
studies; the vote service asks `listening_require` before it stores a vote.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from annotators.models import Annotator
from battles.errors import ArenaError, Conflict
from battles.exposure import (
    Exposure,
    exposure_events_clean,
    exposure_heard,
    exposure_minimum,
    exposure_required,
)
from battles.modalities import arena_settings, modality_spec
from battles.modalities.base import ExposureGate
from battles.models import Battle, BattleState, ListenEvent, MediaAsset, VoteFeedback
from battles.services.battle_flow import annotator_require_consent, battle_lock_for_annotator

MAX_FEEDBACK_CHARS = 2000
SIDES = ("a", "b")
Listening = Exposure


def exposure_gate(battle: Battle) -> ExposureGate | None:
    return modality_spec(battle.arena.modality).gate


def listening_state(battle: Battle) -> Listening:
    gate = exposure_gate(battle)
    assert gate is not None, "only gated modalities measure listening or viewing"
    minimum = exposure_minimum(gate, arena_settings(battle.arena))
    durations = {
        asset.generation.side: (asset.duration_ms or 0) / 1000
        for asset in MediaAsset.objects.filter(generation__turn__battle=battle)
        .select_related("generation").order_by("generation__turn__index")
    }
    events = list(ListenEvent.objects.filter(battle=battle).order_by("received_at", "id"))
    heard = {side: exposure_heard(e for e in events if e.side == side) for side in SIDES}
    required = {side: exposure_required(gate, minimum, durations.get(side, 0)) for side in SIDES}
    can_vote = battle.state == BattleState.READY and all(
        side in durations and heard[side] >= required[side] for side in SIDES
    )
    return {"heard": heard, "required_s": required, "can_vote": can_vote}


def listening_require(battle: Battle) -> None:
    """Conflict unless both sides' media had the annotator's time the arena asks for."""
    gate = exposure_gate(battle)
    if gate is None:
        return
    state = listening_state(battle)
    if not state["can_vote"]:
        raise Conflict(
            f"{gate.verb} both {gate.noun} for at least {max(state['required_s'].values()):g} s "
            f"before voting ({gate.measured}: A {state['heard']['a']:.0f} s, "
            f"B {state['heard']['b']:.0f} s).",
            code="listen_more",
        )


def _owned_battle(battle_id: uuid.UUID | str, annotator: Annotator | None) -> Battle:
    return battle_lock_for_annotator(battle_id, annotator_require_consent(annotator))


def _owned_gated_battle(battle_id: uuid.UUID | str, annotator: Annotator | None) -> Battle:
    battle = _owned_battle(battle_id, annotator)
    if exposure_gate(battle) is None:
        raise ArenaError("This arena does not measure listening or viewing.", code="not_gated")
    return battle


def listen_record(
    *, battle_id: uuid.UUID | str, annotator: Annotator | None, events: object
) -> Listening:
    """Store a report of player events (`position` in seconds, `t` in ms on the page's clock)."""
    cleaned = exposure_events_clean(events, SIDES)
    with transaction.atomic():
        battle = _owned_gated_battle(battle_id, annotator)
        if battle.state != BattleState.READY:
            raise Conflict("Listening counts only while the battle awaits a vote.",
                           code="battle_not_ready")
        ListenEvent.objects.bulk_create(ListenEvent(battle=battle, **e) for e in cleaned)
    return listening_state(battle)


def feedback_submit(
    *, battle_id: uuid.UUID | str, annotator: Annotator | None, text: object
) -> VoteFeedback:
    """Optional words after the vote; sending again replaces them."""
    if not isinstance(text, str) or not text.strip():
        raise ArenaError("Write some feedback first.", code="feedback_empty")
    if len(text) > MAX_FEEDBACK_CHARS:
        raise ArenaError(f"Feedback is limited to {MAX_FEEDBACK_CHARS} characters.",
                         code="feedback_too_long")
    with transaction.atomic():
        battle = _owned_battle(battle_id, annotator)
        vote = getattr(battle, "vote", None)
        if battle.state != BattleState.VOTED or vote is None:
            raise Conflict("Feedback comes after the vote.", code="not_voted")
        feedback, _ = VoteFeedback.objects.update_or_create(
            vote=vote, defaults={"text": text.strip()}
        )
    return feedback
