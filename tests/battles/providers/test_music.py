"""Music providers against a real local HTTP server, the offline synthesizer, and audio cleaning."""

from __future__ import annotations

import io
from typing import Any

import pytest
import soundfile

from battles.media import audio_clean
from battles.media_formats import AudioFormat
from battles.providers import ProviderError, ProviderSettings
from battles.providers.media_base import MediaResult, MusicRequest, Progress
from battles.providers.music_demo import MUSIC_STYLES
from battles.providers.registry import music_provider_for
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer

REQUEST = MusicRequest(prompt="calm piano", instrumental=True, duration_s=2.0)


async def _generate(settings: ProviderSettings, request: MusicRequest = REQUEST) -> list[Any]:
    provider = music_provider_for(settings)
    return [event async for event in provider.generate_music(request)]


def _http(server: FakeMediaServer, model: str) -> ProviderSettings:
    return ProviderSettings(kind="http_music", endpoint=server.base_url + "/music",
                            model_id=model, params={"guidance": 3}, read_timeout=3,
                            total_timeout=10)


@pytest.mark.parametrize("model", ["fake-music-wav", "fake-music-url"])
async def test_it_fetches_audio(fake_media: FakeMediaServer, model: str) -> None:
    events = await _generate(_http(fake_media, model))
    assert isinstance(events[0], Progress)
    assert isinstance(events[-1], MediaResult)
    clean = audio_clean(events[-1].data, target=AudioFormat(), duration_s=2.0)
    assert clean.duration_ms == 2000 and clean.sample_rate == 44100


async def test_it_sends_the_router_fields(fake_media: FakeMediaServer) -> None:
    request = MusicRequest(prompt="unique-song", instrumental=False, lyrics="la la",
                           duration_s=1.0)
    await _generate(_http(fake_media, "fake-music-wav"), request)
    sent = next(r.json for r in fake_media.requests_to("/music/generate")
                if r.json["prompt"] == "unique-song")
    assert sent == {"model": "fake-music-wav", "prompt": "unique-song", "duration_s": 1.0,
                    "instrumental": False, "lyrics": "la la", "write_lyrics": False,
                    "guidance": 3}


async def test_cleaning_strips_tags_and_refuses_corrupt_or_silent_audio(
    fake_media: FakeMediaServer,
) -> None:
    tagged = (await _generate(_http(fake_media, "fake-music-wav")))[-1].data
    assert b"SecretMusic" in tagged
    assert b"SecretMusic" not in audio_clean(tagged, target=AudioFormat(), duration_s=5).data
    corrupt = (await _generate(_http(fake_media, "fake-music-corrupt")))[-1].data
    with pytest.raises(ProviderError, match="corrupt"):
        audio_clean(corrupt, target=AudioFormat(), duration_s=5)
    silent = (await _generate(_http(fake_media, "fake-music-silent")))[-1].data
    with pytest.raises(ProviderError, match="silent"):
        audio_clean(silent, target=AudioFormat(), duration_s=5)
    with pytest.raises(ProviderError, match="allows 0.5 s"):
        audio_clean(tagged, target=AudioFormat(), duration_s=0.5)


async def test_it_reports_http_errors_anonymously(fake_media: FakeMediaServer) -> None:
    with pytest.raises(ProviderError, match="HTTP 503") as caught:
        await _generate(_http(fake_media, "fake-music-error-503"))
    assert "fake-music" not in str(caught.value)


@pytest.mark.parametrize("style", MUSIC_STYLES)
async def test_the_demo_synthesizes_every_style(style: str) -> None:
    settings = ProviderSettings(kind="demo_music", params={"style": style, "step_delay": 0})
    events = await _generate(settings)
    clean = audio_clean(events[-1].data, target=AudioFormat(), duration_s=2.0)
    assert clean.duration_ms == 2000


async def test_the_demo_quality_levels_differ() -> None:
    rates = {}
    for style in MUSIC_STYLES:
        settings = ProviderSettings(kind="demo_music", params={"style": style, "step_delay": 0})
        data = (await _generate(settings))[-1].data
        rates[style] = soundfile.info(io.BytesIO(data)).samplerate
    assert rates["studio"] > rates["simple"] > rates["chiptune"] > rates["detuned"]
