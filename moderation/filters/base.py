"""The filter interface and the registry that builds an arena's pipeline from its settings.

An arena lists its filters in `arena.settings["filters"]`, each a dict with a `kind` and that
kind's options, plus `applies_to` (["prompt", "output"] by default). Deployment-wide filters
in `settings.MODERATION_DEFAULT_FILTERS` run in every arena first. On prompts a finding blocks
the prompt before any model sees it; on outputs it raises a flag for review.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Finding:
    reason: str
    detail: str


class ContentFilter(Protocol):
    """A filter may also define `check_many(texts) -> list[list[Finding]]` (one list per text)
    when it can check many texts in one go; `filter_check_many` uses it."""

    name: str
    remote: bool

    def check(self, text: str) -> list[Finding]: ...


def filter_check_many(content_filter: ContentFilter, texts: Sequence[str]) -> list[list[Finding]]:
    """Each text's findings, in one call where the filter can (a remote endpoint: a request per
    batch, not per text), else text by text."""
    many = getattr(content_filter, "check_many", None)
    if callable(many):
        return list(many(texts))
    return [content_filter.check(text) for text in texts]


class FilterConfigError(ValueError):
    """An arena's filter settings are wrong; the message says which entry and why."""


@dataclass(frozen=True)
class ConfiguredFilter:
    filter: ContentFilter
    applies_to: frozenset[str] = field(default_factory=lambda: frozenset({"prompt", "output"}))


FilterFactory = Callable[[dict[str, Any]], ContentFilter]
_REGISTRY: dict[str, FilterFactory] = {}


def filter_kind(kind: str) -> Callable[[FilterFactory], FilterFactory]:
    def register(factory: FilterFactory) -> FilterFactory:
        _REGISTRY[kind] = factory
        return factory

    return register


def filters_build(configs: object) -> list[ConfiguredFilter]:
    if configs is None:
        return []
    if not isinstance(configs, list):
        raise FilterConfigError("`filters` must be a list of objects with a `kind`.")
    built = []
    for index, config in enumerate(configs):
        if not isinstance(config, dict) or config.get("kind") not in _REGISTRY:
            raise FilterConfigError(
                f"filters[{index}]: unknown kind; use one of {', '.join(sorted(_REGISTRY))}."
            )
        applies_to = config.get("applies_to", ["prompt", "output"])
        if not isinstance(applies_to, list) or not set(applies_to) <= {"prompt", "output"}:
            raise FilterConfigError(f"filters[{index}]: applies_to must list prompt/output.")
        try:
            content_filter = _REGISTRY[config["kind"]](config)
        except (KeyError, TypeError, ValueError) as error:
            raise FilterConfigError(f"filters[{index}] ({config['kind']}): {error}") from error
        built.append(ConfiguredFilter(content_filter, frozenset(applies_to)))
    return built
