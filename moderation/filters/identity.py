"""Identity leaks: a prompt that asks a model who it is, or an answer that names a contender.

Such a battle stays in the annotator's history but its vote never counts, because the vote
may then reflect the name rather than the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WHO_ARE_YOU = re.compile(
    r"\b(?:"
    r"who\s+(?:are|r)\s+(?:you|u)"
    r"|what(?:'s|\s+is)\s+your\s+(?:name|model|identity)"
    r"|(?:what|which)\s+(?:ai\s+|language\s+)?(?:model|llm|ai|version|company)\s+(?:are|r)\s+(?:you|u)"
    r"|who\s+(?:made|created|built|trained|developed)\s+(?:you|u)"
    r"|(?:what|which)\s+company\s+(?:made|created|built|trained|developed)\s+(?:you|u)"
    r"|are\s+you\s+(?:gpt|chatgpt|claude|gemini|llama|mistral|qwen|deepseek)"
    r"|(?:tell|say)\s+me\s+your\s+(?:name|model)"
    r")\b",
    re.IGNORECASE,
)


def prompt_asks_identity(prompt: str) -> bool:
    return bool(_WHO_ARE_YOU.search(prompt))


def names_mentioned(text: str, names: Iterable[str]) -> list[str]:
    """The names (contender names, slugs, model ids, organisations) that appear in `text`."""
    found = []
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 3}):
        pattern = r"(?<!\w)" + r"[\s_-]*".join(
            re.escape(part) for part in re.split(r"[\s_-]+", name)
        ) + r"(?!\w)"
        if re.search(pattern, text, re.IGNORECASE):
            found.append(name)
    return found
