"""Checks on a prompt before any model sees it."""

from __future__ import annotations

from django.conf import settings

from battles.models import Arena
from battles.services.errors import ArenaError


def prompt_clean(*, arena: Arena, prompt: object) -> str:
    """The prompt, stripped, or an ArenaError saying why it cannot be used."""
    if not isinstance(prompt, str):
        raise ArenaError("The prompt must be text.", code="prompt_invalid")
    cleaned = prompt.strip()
    if not cleaned:
        raise ArenaError("Please type a prompt first.", code="prompt_empty")
    limit = min(arena.max_prompt_chars, settings.ARENA_MAX_PROMPT_CHARS)
    if len(cleaned) > limit:
        raise ArenaError(
            f"The prompt is too long ({len(cleaned)} characters; the limit is {limit}).",
            code="prompt_too_long",
        )
    if "\x00" in cleaned:
        raise ArenaError("The prompt contains a NUL character.", code="prompt_invalid")
    return cleaned
