"""The music router's reading of prompts, and capability matching."""

from __future__ import annotations

import pytest

from battles.music_router import music_capable, music_route
from battles.services.errors import ArenaError


def _route(prompt: str) -> dict[str, object]:
    return dict(music_route(prompt=prompt, arena_settings={"max_duration_s": 30}))


def test_it_reads_instrumental_vocals_lyrics_and_duration() -> None:
    assert _route("an instrumental lofi beat, 20 seconds") == {
        "instrumental": True, "lyrics": "", "write_lyrics": False, "duration_s": 20.0}
    sung = _route("a pop song with vocals about summer")
    assert (sung["instrumental"], sung["write_lyrics"]) == (False, True)
    given = _route("a folk ballad. Lyrics: the river runs to the sea tonight")
    assert given["lyrics"] == "the river runs to the sea tonight"
    assert given["write_lyrics"] is False


@pytest.mark.parametrize(
    ("prompt", "code"),
    [
        ("a song in the style of Famous Singer", "prompt_rejected"),
        ("what is the capital of France?", "prompt_rejected"),
        ("a jazz track, 5 minutes long", "request_unsupported"),
    ],
)
def test_it_refuses_with_a_reason(prompt: str, code: str) -> None:
    with pytest.raises(ArenaError) as caught:
        _route(prompt)
    assert caught.value.code == code
    assert caught.value.message


def test_it_matches_capabilities() -> None:
    vocal_route = {"instrumental": False, "lyrics": "", "write_lyrics": True, "duration_s": 10}
    assert music_capable({"vocals": True, "lyrics": True, "max_duration_s": 30}, vocal_route)
    assert not music_capable({"vocals": False, "max_duration_s": 30}, vocal_route)
    long_route = {"instrumental": True, "duration_s": 25}
    assert not music_capable({"max_duration_s": 20}, long_route)
