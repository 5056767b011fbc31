"""Pluggable content filters. Importing the package registers every built-in kind."""

from moderation.filters import openai_moderation, pii, wordlists  # noqa: F401
from moderation.filters.base import (
    ConfiguredFilter,
    ContentFilter,
    FilterConfigError,
    Finding,
    filter_check_many,
    filters_build,
)

__all__ = ["ConfiguredFilter", "ContentFilter", "FilterConfigError", "Finding",
           "filter_check_many", "filters_build"]
