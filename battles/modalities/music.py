"""Text to music: a router reads the prompt (vocals, lyrics, duration), only capable contenders
are paired, tracks are made by workers and normalized to one audio format, and the vote opens
after both tracks were heard for the arena's minimum."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import Field

from battles.media import CleanMedia, audio_clean
from battles.media_formats import audio_format_for
from battles.modalities.base import (
    AdvanceAnswer,
    ArenaSettings,
    DemoArena,
    DemoContender,
    ExposureGate,
    ModalitySpec,
)
from battles.music_router import DEFAULT_DURATION_S, MAX_DURATION_S, music_capable, music_route
from battles.providers.base import ProviderSettings
from battles.providers.media_base import MusicRequest, OnProgress, media_result_read
from battles.providers.registry import MUSIC_KINDS, music_provider_for
from battles.sides.guard import SideRun, side_guarded
from battles.sides.media import media_finish, progress_relay
from battles.sides.plan import Send, SidePlan


class MusicSettings(ArenaSettings):
    min_listen_s: float = Field(default=5.0, ge=0, le=600)
    default_duration_s: float = Field(default=DEFAULT_DURATION_S, gt=0, le=MAX_DURATION_S)
    max_duration_s: float = Field(default=MAX_DURATION_S, gt=0, le=600)
    # The one audio format every track is normalized to (battles/media_formats.py).
    audio_sample_rate: Literal[22050, 24000, 32000, 44100, 48000] = 44100
    audio_channels: Literal[1, 2] = 2
    audio_loudness_lufs: float = Field(default=-16.0, ge=-30, le=-8)
    audio_true_peak_dbtp: float = Field(default=-1.0, ge=-6, le=0)


def _route(prompt: str, settings: ArenaSettings, image_ref: str | None) -> dict[str, Any]:
    return dict(music_route(prompt=prompt, arena_settings=settings.model_dump()))


def _route_notice(request: dict[str, Any], turn_index: int) -> dict[str, Any]:
    """How the router read the prompt, shown to the annotator while the tracks are made."""
    return {"type": "route", "turn": turn_index,
            "instrumental": bool(request.get("instrumental", True)),
            "lyrics_given": bool(request.get("lyrics")),
            "write_lyrics": bool(request.get("write_lyrics", False)),
            "duration_s": float(request.get("duration_s", DEFAULT_DURATION_S))}


def music_request(prompt: str, request: dict[str, Any]) -> MusicRequest:
    """What every music provider gets, from the prompt and the router's reading of it."""
    return MusicRequest(
        prompt=prompt,
        instrumental=bool(request.get("instrumental", True)),
        lyrics=str(request.get("lyrics", "")),
        write_lyrics=bool(request.get("write_lyrics", False)),
        duration_s=float(request.get("duration_s", DEFAULT_DURATION_S)),
    )


async def music_make(settings: ProviderSettings, request: MusicRequest,
                     arena_settings: ArenaSettings,
                     on_progress: OnProgress | None = None) -> CleanMedia:
    """One track in the arena's one audio format, exactly the routed length, for a live side
    and for an answer made in advance alike."""
    provider = music_provider_for(settings)
    result = await media_result_read(provider.generate_music(request), on_progress)
    return await asyncio.to_thread(
        audio_clean, result.data, target=audio_format_for(arena_settings.model_dump()),
        duration_s=request.duration_s)


async def side_music(plan: SidePlan, turn_index: int, send: Send) -> None:
    async def work(run: SideRun) -> dict[str, Any]:
        media = await music_make(plan.settings, music_request(plan.prompt, plan.request),
                                 plan.arena_settings, progress_relay(plan, turn_index, send))
        return await media_finish(plan, media, run)

    await side_guarded(plan, turn_index, send, work)


async def music_advance(settings: ProviderSettings, prompt: str, request: dict[str, Any],
                        arena_settings: ArenaSettings) -> AdvanceAnswer:
    """`request` is the router's reading (the spec's `route`, i.e. `music_route` with the
    arena's settings), which also chose the contenders that fit it."""
    media = await music_make(settings, music_request(prompt, request), arena_settings)
    return AdvanceAnswer.of_media(media)


_FULL = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}
_INSTRUMENTAL = {"vocals": False, "lyrics": False, "min_duration_s": 1, "max_duration_s": 20}

SPEC = ModalitySpec(
    slug="music",
    label="Text to music",
    provider_kinds=tuple(MUSIC_KINDS),
    provider_for=music_provider_for,
    runner=side_music,
    advance=music_advance,
    settings_model=MusicSettings,
    in_worker=True,
    answer_noun="track",
    route=_route,
    fits=music_capable,
    turn_notice=_route_notice,
    gate=ExposureGate(setting="min_listen_s", verb="Listen to", noun="tracks",
                      measured="heard"),
    max_turns=1,
    style_features=False,
    template="battles/partials/music.html",
    script="battles/music.js",
    release_kind="media_exposure",
    release_task="text-to-audio",
    media_kind="audio",
    demo=DemoArena(
        slug="music",
        name="Music Arena (demo)",
        description="Describe a track; two anonymous models make it. Listen to both before "
                    "voting. The seeded models are offline synthesizers.",
        max_turns=1,
        settings={"min_listen_s": 5, "default_duration_s": 10, "max_duration_s": 30},
        contenders=(
            DemoContender("demo-studio", "Demo Studio", "demo_music", {"style": "studio"},
                          {**_FULL, "sample_rate": 44100}),
            DemoContender("demo-hum", "Demo Hum", "demo_music", {"style": "simple"},
                          {**_FULL, "sample_rate": 22050}),
            DemoContender("demo-chip", "Demo Chip", "demo_music", {"style": "chiptune"},
                          {**_INSTRUMENTAL, "sample_rate": 16000}),
            DemoContender("demo-radio", "Demo Radio", "demo_music", {"style": "detuned"},
                          {**_INSTRUMENTAL, "sample_rate": 8000}),
        ),
    ),
)
