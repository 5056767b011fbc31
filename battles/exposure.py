"""Time with media, measured from a page's player or viewer events: one rule for every gate.

Battles (battles/listening.py, sides a and b) and studies (studies/services/exposure.py, one
side per answer) both read a modality's `ExposureGate` through here, so a listener is measured
the same way wherever they judge. The page reports play / pause / seek / tick / ended with the
track position and its own clock. Each stretch of playback counts at most the time that really
passed, by the page's clock *and* by the server's receive times, so a page cannot claim
listening it did not do; seeking forward counts nothing. A viewer reports cumulative seconds
viewed as its position, so the same rule holds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, Protocol, TypedDict

from battles.errors import ArenaError
from battles.modalities.base import ArenaSettings, ExposureGate
from battles.models import ListenKind

MAX_EVENTS_PER_REPORT = 50
CLIENT_SLACK_S = 0.25
SERVER_SLACK_S = 0.5


class ExposureEvent(Protocol):
    """A stored event (battles' `ListenEvent`, studies' `StudyExposureEvent`)."""

    kind: str
    position_ms: int
    client_ms: float
    received_at: datetime


class Exposure(TypedDict):
    """What a page is told after each report: seconds heard or viewed and needed, per side."""

    heard: dict[str, float]
    required_s: dict[str, float]
    can_vote: bool


def exposure_heard(events: Iterable[ExposureEvent]) -> float:
    """Seconds of one side's media the annotator really spent, from its events in order."""
    total = 0.0
    playing: ExposureEvent | None = None
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
    return round(total, 2)


def exposure_minimum(gate: ExposureGate, settings: ArenaSettings) -> float:
    """The arena's minimum seconds per side, read through the setting the gate names."""
    return float(getattr(settings, gate.setting))


def exposure_required(gate: ExposureGate, minimum: float, duration_s: float | None) -> float:
    """Seconds needed with one side: the minimum, or a little less than a shorter track (a
    3-second track cannot be heard for 5 s); unknown durations ask the full minimum."""
    if not gate.bounded_by_duration or duration_s is None:
        return round(minimum, 2)
    return round(min(minimum, max(duration_s - 0.5, 0.5)), 2)


def exposure_events_clean(events: object, sides: Collection[str]) -> list[dict[str, Any]]:
    """The page's report as rows to store (`side`, `kind`, `position_ms`, `client_ms`);
    ArenaError (`events_invalid`) for anything else, before anything is stored."""
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS_PER_REPORT:
        raise ArenaError(f"Send 1 to {MAX_EVENTS_PER_REPORT} listening events.",
                         code="events_invalid")
    cleaned = []
    for event in events:
        if not isinstance(event, dict):
            raise ArenaError("Each listening event must be an object.", code="events_invalid")
        side, kind = event.get("side"), event.get("kind")
        position, clock = event.get("position"), event.get("t")
        if side not in sides or kind not in ListenKind.values:
            raise ArenaError("Unknown side or event kind.", code="events_invalid")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                   and 0 <= v < 1e9 for v in (position, clock)):
            raise ArenaError("Positions and times must be non-negative numbers.",
                             code="events_invalid")
        assert isinstance(position, int | float) and isinstance(clock, int | float)
        cleaned.append({"side": side, "kind": kind, "position_ms": int(position * 1000),
                        "client_ms": float(clock)})
    return cleaned
