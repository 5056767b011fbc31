"""Offline demo contenders: no network, no weights, answers of clearly different quality.

`params`: "style" (one of `STYLES`, default "expert"), "token_delay" (seconds between chunks,
default 0.02), "fail_after" (when set, the stream raises `ProviderError` after that many chunks,
or at the end of a shorter answer, to exercise the failure path).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence

from .base import (
    ChatMessage,
    ProviderError,
    ProviderSettings,
    StreamEvent,
    TextDelta,
    Usage,
    conversation_with_system_prompt,
)
from .demo_answers import STYLES, demo_answer

DEFAULT_TOKEN_DELAY = 0.02


class DemoTextProvider:
    def __init__(self, settings: ProviderSettings):
        params = settings.params
        self.settings = settings
        self.style = str(params.get("style") or "expert")
        if self.style not in STYLES:
            raise ValueError(f"Unknown demo style {self.style!r}; use one of {', '.join(STYLES)}.")
        self.token_delay = float(params.get("token_delay", DEFAULT_TOKEN_DELAY))
        fail_after = params.get("fail_after")
        self.fail_after = None if fail_after is None else int(fail_after)

    async def stream_chat(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        conversation = conversation_with_system_prompt(self.settings, messages)
        answer = demo_answer(self.style, conversation)
        for index, chunk in enumerate(answer_chunks(answer)):
            if self.fail_after is not None and index >= self.fail_after:
                raise ProviderError("The connection closed before the answer finished.")
            if index:
                await asyncio.sleep(self.token_delay)
            yield TextDelta(chunk)
        if self.fail_after is not None:
            raise ProviderError("The connection closed before the answer finished.")
        prompt_words = sum(len(message.content.split()) for message in conversation)
        yield Usage(prompt_tokens=prompt_words, completion_tokens=len(answer.split()))


def answer_chunks(text: str) -> list[str]:
    """Word-ish chunks, each carrying its trailing whitespace, that join back into `text`."""
    return re.findall(r"\s*\S+\s*?(?=\s|$)|\s+$", text) or [text]
