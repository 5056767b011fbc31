"""Offline answers of deliberately different quality, so an arena without real models still
produces votes that mean something: "expert" should beat "concise", which should beat "verbose"
and "sloppy".

Answers are composed from templates filled with the prompt's keywords. They are deterministic for
a given conversation and style (seeded from a hash of both) and vary across prompts. They never
name a model.

The parts: `demo_prompt` reads the conversation once, `demo_styles` holds one composer per
style, `demo_code` the code examples they share; this module seeds and dispatches.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from .base import ChatMessage
from .demo_prompt import prompt_analyse
from .demo_styles import COMPOSERS

STYLES = ("expert", "concise", "verbose", "sloppy", "broken")


def demo_answer(style: str, messages: Sequence[ChatMessage]) -> str:
    if style not in COMPOSERS:
        raise ValueError(f"Unknown demo style {style!r}; use one of {', '.join(STYLES)}.")
    conversation = "\n".join(f"{m.role}: {m.content}" for m in messages)
    seed = int.from_bytes(hashlib.sha256(f"{style}\n{conversation}".encode()).digest()[:8], "big")
    return COMPOSERS[style](prompt_analyse(messages), random.Random(seed)).strip() + "\n"
