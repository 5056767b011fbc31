"""The modality registry: one line per modality module, loaded on first use.

Like Django's database backends, modalities are named by dotted path and imported when first
asked for, so the platform modules that read specs never import a modality module at import
time (and a modality module may use the platform's services freely).
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from battles.errors import ArenaError
from battles.modalities.base import ArenaSettings, Aspect, ModalitySpec
from battles.models import Arena

MODALITY_MODULES: tuple[str, ...] = (
    "battles.modalities.text",
    "battles.modalities.search",
    "battles.modalities.image",
    "battles.modalities.music",
    "battles.modalities.threed",
)


@cache
def modalities() -> dict[str, ModalitySpec]:
    specs: dict[str, ModalitySpec] = {}
    for path in MODALITY_MODULES:
        spec = import_module(path).SPEC
        if spec.slug in specs:
            raise ValueError(f"two modality modules declare {spec.slug!r}")
        specs[spec.slug] = spec
    return specs


def modality_spec(slug: str) -> ModalitySpec:
    """The spec of a stored arena's modality; ArenaError if the registry no longer has it."""
    try:
        return modalities()[slug]
    except KeyError:
        raise ArenaError(f"This arena's modality {slug!r} is not installed.",
                         code="modality_unknown") from None


def modality_choices() -> list[tuple[str, str]]:
    return [(spec.slug, spec.label) for spec in modalities().values()]


def provider_kind_choices() -> list[tuple[str, str]]:
    return [kind for spec in modalities().values() for kind in spec.provider_kinds]


def arena_settings(arena: Arena) -> ArenaSettings:
    """An arena's settings, typed by its modality."""
    return modality_spec(arena.modality).settings_parse(arena.settings)


def arena_aspects(arena: Arena) -> tuple[Aspect, ...]:
    """The aspects voted in this arena: its own setting, else its modality's defaults."""
    chosen = arena_settings(arena).aspects
    if chosen is None:
        return modality_spec(arena.modality).aspects
    return tuple(Aspect(a.slug, a.label, a.question or a.label, a.required) for a in chosen)


__all__ = [
    "Aspect",
    "arena_aspects",
    "ArenaSettings",
    "ModalitySpec",
    "arena_settings",
    "modalities",
    "modality_choices",
    "modality_spec",
    "provider_kind_choices",
]
