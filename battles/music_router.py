"""The music arena's router: rules that read a prompt before any model sees it.

Music Arena routes prompts with an LLM; this offline version uses rules so every install has
one. It decides whether the prompt is usable (and says why not), whether vocals are wanted,
whether lyrics were given or must be written, and how long the track should be.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

from battles.errors import ArenaError

DEFAULT_DURATION_S = 10.0
MAX_DURATION_S = 60.0

_MUSIC_WORDS = re.compile(
    r"\b(music|song|songs|track|tune|melody|beat|beats|instrumental|vocals?|sing|singing|sung|"
    r"lyrics|chorus|verse|ballad|anthem|lullaby|jingle|piano|guitar|drums?|bass|violin|cello|"
    r"synth|synths|orchestra|orchestral|choir|jazz|rock|pop|blues|folk|funk|disco|techno|"
    r"house|trance|ambient|lo-?fi|hip-?hop|rap|reggae|metal|punk|classical|country|soul|r&b|"
    r"edm|waltz|march|bpm|tempo|chords?|riff|soundtrack|score|hum|whistle)\b",
    re.IGNORECASE,
)
_IMITATION = re.compile(
    r"\b(in the (voice|style) of|sounds? (exactly )?like|cover (of|version)|"
    r"imitat\w+|impersonat\w+)\b",
    re.IGNORECASE,
)
_INSTRUMENTAL = re.compile(r"\b(instrumental|no vocals|without vocals|no singing|no lyrics)\b",
                           re.IGNORECASE)
_VOCALS = re.compile(r"\b(vocals?|sing|singing|sung|singer|rap|rapping|choir|lyrics|chorus|"
                     r"verse|duet)\b", re.IGNORECASE)
_LYRICS_GIVEN = re.compile(r"lyrics\s*:\s*(?P<text>.+)", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"[\"“](?P<text>[^\"”]{12,})[\"”]")
_DURATION = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>s|sec|secs|seconds?|m|min|mins|minutes?)\b",
    re.IGNORECASE,
)


class MusicRoute(TypedDict):
    instrumental: bool
    lyrics: str
    write_lyrics: bool
    duration_s: float


def music_route(*, prompt: str, arena_settings: dict[str, Any]) -> MusicRoute:
    """The router's reading, or ArenaError(code="prompt_rejected") with the reason."""
    if _IMITATION.search(prompt):
        raise ArenaError(
            "This arena does not imitate specific artists or make covers; describe the sound "
            "instead (genre, mood, instruments).", code="prompt_rejected",
        )
    if not _MUSIC_WORDS.search(prompt):
        raise ArenaError(
            "That does not read like a music request. Describe the track: genre, mood, "
            "instruments, vocals or not, length.", code="prompt_rejected",
        )
    lyrics = ""
    given = _LYRICS_GIVEN.search(prompt) or _QUOTED.search(prompt)
    if given:
        lyrics = given.group("text").strip()[:2000]
    instrumental = bool(_INSTRUMENTAL.search(prompt)) and not lyrics
    wants_vocals = bool(lyrics) or (not instrumental and bool(_VOCALS.search(prompt)))
    limit = float(arena_settings.get("max_duration_s", MAX_DURATION_S))
    duration = float(arena_settings.get("default_duration_s", DEFAULT_DURATION_S))
    found = _DURATION.search(prompt)
    if found:
        duration = float(found.group("n")) * (60 if found.group("unit")[0].lower() == "m" else 1)
        if duration < 1 or duration > limit:
            raise ArenaError(
                f"Tracks here last 1 to {limit:g} seconds; you asked for {duration:g} s.",
                code="request_unsupported",
            )
    return {
        "instrumental": not wants_vocals,
        "lyrics": lyrics,
        "write_lyrics": wants_vocals and not lyrics,
        "duration_s": duration,
    }


def music_capable(capabilities: dict[str, Any], route: dict[str, Any]) -> bool:
    """Whether a contender declaring `capabilities` can make what the route asks for."""
    if not route.get("instrumental", True) and not capabilities.get("vocals", False):
        return False
    if (route.get("lyrics") or route.get("write_lyrics")) and not capabilities.get("lyrics", False):
        return False
    duration = float(route.get("duration_s", DEFAULT_DURATION_S))
    low = float(capabilities.get("min_duration_s", 1))
    high = float(capabilities.get("max_duration_s", MAX_DURATION_S))
    return low <= duration <= high
