"""Time with each side's media before the vote: what the page's players (audio) or viewers (3D)
did, and whether both sides were heard or viewed long enough, for modalities that declare an
`ExposureGate`.

The page reports play / pause / seek / tick / ended with the track position and its own clock.
Each stretch of playback counts at most the time that really passed, by the page's clock *and*
by the server's receive times, so a page cannot claim listening it did not do; seeking forward
counts nothing. A viewer reports cumulative seconds viewed as its position, so the same rule
holds. The vote service asks `listening_require` before it stores a vote.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from typing import Any, TypedDict

from django.db import transaction

from annotators.models import Annotator
from battles.errors import ArenaError, Conflict
from battles.modalities import arena_settings, modality_spec
from battles.modalities.base import ExposureGate
from battles.models import (
    Battle,
    BattleState,
    ListenEvent,
    ListenKind,
    MediaAsset,
    VoteFeedback,
)
from battles.services.battle_flow import annotator_require_consent, battle_lock_for_annotator

MAX_EVENTS_PER_REPORT = 50
CLIENT_SLACK_S = 0.25
SERVER_SLACK_S = 0.5
MAX_FEEDBACK_CHARS = 2000


class Listening(TypedDict):
    heard: dict[str, float]
    required_s: dict[str, float]
    can_vote: bool


def _stretches(events: Iterable[ListenEvent]) -> float:
    total = 0.0
    playing: ListenEvent | None = None
    for event in events:
        if playing is not None and event.kind != ListenKind.PLAY:
            by_track = (event.position_ms - playing.position_ms) / 1000
            by_page = (event.client_ms - playing.client_ms) / 1000 + CLIENT_SLACK_S
            by_server = (event.received_at - playing.received_at).total_seconds() + SERVER_SLACK_S
            total += max(0.0, min(by_track, by_page, by_server))
        if event.kind in (ListenKind.PAUSE, ListenKind.ENDED):
            playing = None
        elif event.kind == ListenKind.PLAY or playing is not None:
            playing = event
    return total


def exposure_gate(battle: Battle) -> ExposureGate | None:
    return modality_spec(battle.arena.modality).gate


def listening_state(battle: Battle) -> Listening:
    gate = exposure_gate(battle)
    assert gate is not None, "only gated modalities measure listening or viewing"
    minimum = float(getattr(arena_settings(battle.arena), gate.setting))
    durations = {
        asset.generation.side: (asset.duration_ms or 0) / 1000
        for asset in MediaAsset.objects.filter(generation__turn__battle=battle)
        .select_related("generation").order_by("generation__turn__index")
    }
    events = list(ListenEvent.objects.filter(battle=battle).order_by("received_at", "id"))
    heard = {side: round(_stretches(e for e in events if e.side == side), 2) for side in "ab"}

    def required_for(side: str) -> float:
        if not gate.bounded_by_duration:
            return round(minimum, 2)
        return round(min(minimum, max(durations.get(side, 0) - 0.5, 0.5)), 2)

    required = {side: required_for(side) for side in "ab"}
    can_vote = battle.state == BattleState.READY and all(
        side in durations and heard[side] >= required[side] for side in "ab"
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


def _clean_events(events: object) -> list[dict[str, Any]]:
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS_PER_REPORT:
        raise ArenaError(f"Send 1 to {MAX_EVENTS_PER_REPORT} listening events.",
                         code="events_invalid")
    cleaned = []
    for event in events:
        if not isinstance(event, dict):
            raise ArenaError("Each listening event must be an object.", code="events_invalid")
        side, kind = event.get("side"), event.get("kind")
        position, clock = event.get("position"), event.get("t")
        if side not in ("a", "b") or kind not in ListenKind.values:
            raise ArenaError("Unknown side or event kind.", code="events_invalid")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                   and 0 <= v < 1e9 for v in (position, clock)):
            raise ArenaError("Positions and times must be non-negative numbers.",
                             code="events_invalid")
        assert isinstance(position, int | float) and isinstance(clock, int | float)
        cleaned.append({"side": side, "kind": kind, "position_ms": int(position * 1000),
                        "client_ms": float(clock)})
    return cleaned


def listen_record(
    *, battle_id: uuid.UUID | str, annotator: Annotator | None, events: object
) -> Listening:
    """Store a report of player events (`position` in seconds, `t` in ms on the page's clock)."""
    cleaned = _clean_events(events)
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
