"""The contract between a battle and whatever produces a contender's answer.

Kept free of Django so providers can be tested and benchmarked on their own; the Django side
adapts its models into `ProviderSettings`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class ProviderSettings:
    kind: str  # "openai_chat" | "demo_text"
    endpoint: str = ""  # base URL, e.g. "http://127.0.0.1:8001/v1"
    model_id: str = ""
    api_key: str | None = None  # already resolved from an environment variable by the caller
    # temperature, top_p, max_tokens, ...; demo: "style", "token_delay", "fail_after"
    params: Mapping[str, Any] = field(default_factory=dict)
    system_prompt: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # max silence between two stream chunks
    total_timeout: float = 300.0  # whole generation


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's reasoning ("thinking"), which some servers stream beside the
    answer (`reasoning_content`, `reasoning`). Kept apart so the answer stays the answer and the
    arena decides whether annotators see it."""

    text: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None


StreamEvent = TextDelta | ReasoningDelta | Usage


class ProviderError(Exception):
    """One side failed. str(error) is shown to the annotator, so it must NEVER contain the
    contender's name, model id, organisation, endpoint host/URL or API key — only what went wrong
    ("The model's server answered HTTP 500.",
    "The model stopped answering (read timeout after 30 s).",
    "The model's stream was malformed.", "The connection closed before the answer finished.")."""


class TextProvider(Protocol):
    """Streams one answer.

    Every provider yields `TextDelta`s (and `ReasoningDelta`s, if the model reasons aloud) and
    then exactly one `Usage` as the last event (fields are None when the backend does not report
    them), or raises `ProviderError`. An answer that is only reasoning is not an error here: the
    side runner decides, by the arena's `show_reasoning`. Callers that may stop
    early should wrap the iterator in `contextlib.aclosing` so the connection is released at once.
    """

    def stream_chat(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]: ...


def conversation_with_system_prompt(
    settings: ProviderSettings, messages: Sequence[ChatMessage]
) -> list[ChatMessage]:
    """The contender's own system prompt goes first, ahead of anything the battle supplies."""
    if not settings.system_prompt:
        return list(messages)
    return [ChatMessage(role="system", content=settings.system_prompt), *messages]


def seconds(value: float) -> str:
    """`30.0` -> "30 s", `0.5` -> "0.5 s", for error messages."""
    return f"{value:g} s"
