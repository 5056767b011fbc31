"""Blocklist (whole words or phrases, case-insensitive) and regular-expression filters."""

from __future__ import annotations

import re
from typing import Any

from moderation.filters.base import Finding, filter_kind


class BlocklistFilter:
    name = "blocklist"
    remote = False

    def __init__(self, config: dict[str, Any]) -> None:
        words = config["words"]
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ValueError("`words` must be a list of non-empty strings.")
        alternatives = "|".join(re.escape(w.strip()) for w in words)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        self.detail = str(config.get("message") or "it contains a blocked term")

    def check(self, text: str) -> list[Finding]:
        return [Finding("blocklist", self.detail)] if self.pattern.search(text) else []


class RegexFilter:
    """`patterns`: strings, or {"pattern", "reason", "message"} objects."""

    name = "regex"
    remote = False

    def __init__(self, config: dict[str, Any]) -> None:
        self.rules: list[tuple[re.Pattern[str], str, str]] = []
        for entry in config["patterns"]:
            spec = {"pattern": entry} if isinstance(entry, str) else dict(entry)
            try:
                compiled = re.compile(spec["pattern"], re.IGNORECASE)
            except re.error as error:
                raise ValueError(f"bad pattern {spec['pattern']!r}: {error}") from error
            self.rules.append((
                compiled,
                str(spec.get("reason") or "pattern"),
                str(spec.get("message") or "it matches a blocked pattern"),
            ))

    def check(self, text: str) -> list[Finding]:
        return [Finding(reason, message) for pattern, reason, message in self.rules
                if pattern.search(text)]


filter_kind("blocklist")(BlocklistFilter)
filter_kind("regex")(RegexFilter)
