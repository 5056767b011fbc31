"""Identity leaks: a prompt that asks a model who it is, or an answer that names a contender.

Such a battle stays in the annotator's history but its vote never counts, because the vote
may then reflect the name rather than the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_YOU = r"(?:you|u|ya)"
_AI = r"(?:ai|llm|language\s+model|model|chat\s*bot|bot|assistant|system)"
_MAKE = r"(?:made|created|built|trained|developed|owns|designed|programmed|runs)"
# What a model would name to identify itself: asked for as "your <thing>".
_IDENTITY_NOUN = (
    r"(?:(?:exact\s+|real\s+|full\s+|official\s+)?(?:model(?:\s+(?:name|id|version|family))?|name"
    r"|identity|vendor|version|creators?|makers?|developers?|providers?|company|manufacturer"
    r"|organi[sz]ation|architecture|parameter\s+count|base\s+model|training\s+company))"
)

# The class of phrasing that asks a model to identify itself: a direct question (who are you,
# who made you), a request to introduce or describe itself, or a request for one of its
# identifying details ("your model name", "your vendor"). Ordinary questions that mention models,
# names or versions in general must pass, so every branch is anchored on "you", "your" or
# "yourself".
_WHO_ARE_YOU = re.compile(
    r"\b(?:"
    rf"who\s+(?:are|r)\s+{_YOU}"
    rf"|what\s+(?:are|r)\s+{_YOU}(?:\s*[?.!]|\s*$|\s+exactly)"
    rf"|(?:what|which)(?:'s|\s+is)\s+your\s+{_IDENTITY_NOUN}"
    rf"|(?:what|which)\s+(?:kind\s+of\s+|type\s+of\s+|sort\s+of\s+)?(?:ai\s+|language\s+)?"
    rf"(?:{_AI}|version|company|vendor)\s+(?:are|r)\s+{_YOU}"
    rf"|(?:who|which\s+(?:company|vendor|lab|organi[sz]ation|team))\s+(?:\w+\s+)?{_MAKE}\s+{_YOU}\b"
    rf"|who\s+(?:is|are)\s+(?:behind\s+{_YOU}|your\s+{_IDENTITY_NOUN})"
    rf"|(?:which|what)\s+{_AI}\s+am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with)"
    rf"|who\s+am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with)"
    rf"|are\s+{_YOU}\s+(?:an?\s+)?(?:gpt|chatgpt|claude|gemini|llama|mistral|qwen|deepseek|grok|phi|gemma|openai|anthropic|google|meta)"
    rf"|(?:tell|say|give|show|state|reveal|share|print|list|write|output|confirm)\s+(?:me\s+|us\s+)?"
    rf"(?:\w+\s+)?your\s+{_IDENTITY_NOUN}"
    rf"|your\s+{_IDENTITY_NOUN}\s*(?:,|and|\?|:|please|$)"
    r"|(?:introduce|describe|identify|present)\s+yourself"
    r"|(?:tell|say|write)\s+(?:me\s+|us\s+)?(?:a\s+(?:bit|little)\s+|something\s+|more\s+)?about\s+yourself"
    r"|(?:qui\s+es[\s-]tu|qui\s+[eê]tes[\s-]vous|qui[eé]n\s+eres|wer\s+bist\s+du|wer\s+sind\s+sie)"
    r")",
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
