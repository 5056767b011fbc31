"""What differs per modality when a turn opens: reading the prompt and who can answer it.

`battle_flow` calls these two hooks; text, search and image accept every prompt that passed the
common checks and every contender; music routes the prompt and matches capabilities.
"""

from __future__ import annotations

from typing import Any

from battles.models import Arena, Contender, Modality

# The music router imports battles.services (for ArenaError), which imports this module:
# it is imported where used.


def turn_request(*, arena: Arena, prompt: str) -> dict[str, Any]:
    """The modality's reading of an accepted prompt (stored on the turn); ArenaError if refused."""
    if arena.modality == Modality.MUSIC:
        from battles.music_router import music_route

        return dict(music_route(prompt=prompt, arena_settings=dict(arena.settings or {})))
    return {}


def contender_fits(*, arena: Arena, contender: Contender, request: dict[str, Any]) -> bool:
    if arena.modality == Modality.MUSIC:
        from battles.music_router import music_capable

        return music_capable(dict(contender.capabilities or {}), request)
    return True
