"""Code examples for demo answers to prompts about code: one or two templates per language.

Why a module of their own: the expert, concise and verbose styles all show the same examples,
and the templates are the one piece of canned text with a rule of its own (see `_code_fill`).
"""

from __future__ import annotations

import random
import re

from .demo_prompt import LANGUAGES, DemoPrompt

# Code templates are real code, full of literal braces ("{}", "Map { 'a' => 2 }", "${1:?...}"),
# so they are filled by `_code_fill`, which replaces only the named placeholders below and never
# interprets any other brace: `str.format` on them raised KeyError and failed a side.
_CODE_PLACEHOLDER = re.compile(r"\{(ident|Ident|kw)\}")

_CODE = {
    "python": (
        '''def summarize_{ident}(items: list[str]) -> dict[str, int]:
    """Count how often each {kw} value appears, ignoring case and blanks."""
    counts: dict[str, int] = {}
    for item in items:
        key = item.strip().lower()
        if key:
            counts[key] = counts.get(key, 0) + 1
    return counts


print(summarize_{ident}(["A", "b", "a", " "]))  # {'a': 2, 'b': 1}''',
        '''from functools import lru_cache


@lru_cache(maxsize=None)
def {ident}_steps(n: int) -> int:
    """Number of ways to reach step n taking 1 or 2 steps at a time ({kw})."""
    if n < 2:
        return 1
    return {ident}_steps(n - 1) + {ident}_steps(n - 2)


assert {ident}_steps(10) == 89''',
    ),
    "javascript": (
        """function summarize{Ident}(items) {
  // Count how often each {kw} value appears, ignoring case and blanks.
  const counts = new Map();
  for (const item of items) {
    const key = item.trim().toLowerCase();
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

console.log(summarize{Ident}(["A", "b", "a", " "])); // Map { 'a' => 2, 'b' => 1 }""",
    ),
    "sql": (
        """-- Count rows per {kw} value, most frequent first.
SELECT lower(trim({ident})) AS value, count(*) AS occurrences
FROM items
WHERE trim({ident}) <> ''
GROUP BY lower(trim({ident}))
ORDER BY occurrences DESC
LIMIT 10;""",
    ),
    "bash": (
        """#!/usr/bin/env bash
set -euo pipefail
# Count how often each {kw} value appears in a file, most frequent first.
tr '[:upper:]' '[:lower:]' < "${1:?usage: $0 FILE}" \\
  | sed '/^[[:space:]]*$/d' \\
  | sort | uniq -c | sort -rn | head -n 10""",
    ),
}


def code_block(prompt: DemoPrompt, rng: random.Random) -> str:
    keyword = next((k for k in prompt.keywords if k not in LANGUAGES), "value")
    ident = re.sub(r"[^a-z0-9]+", "_", keyword).strip("_") or "value"
    template = rng.choice(_CODE[prompt.language])
    code = _code_fill(template, ident=ident, Ident=ident.title().replace("_", ""), kw=keyword)
    return f"```{prompt.language}\n{code}\n```"


def _code_fill(template: str, **values: str) -> str:
    return _CODE_PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
