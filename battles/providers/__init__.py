"""Where a contender's answer comes from: an OpenAI-compatible server or an offline demo."""

from .base import (
    ChatMessage,
    ProviderError,
    ProviderSettings,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    TextProvider,
    Usage,
)
from .demo import DemoTextProvider
from .demo_answers import STYLES as DEMO_STYLES
from .openai_chat import OpenAIChatProvider

PROVIDER_KIND_CHOICES: list[tuple[str, str]] = [
    ("openai_chat", "OpenAI-compatible chat"),
    ("demo_text", "Offline demo (text)"),
]


def text_provider_for(settings: ProviderSettings) -> TextProvider:
    """Raises ValueError for an unknown kind (or an unknown demo style)."""
    if settings.kind == "openai_chat":
        return OpenAIChatProvider(settings)
    if settings.kind == "demo_text":
        return DemoTextProvider(settings)
    raise ValueError(f"Unknown provider kind {settings.kind!r}.")


__all__ = [
    "DEMO_STYLES",
    "PROVIDER_KIND_CHOICES",
    "ChatMessage",
    "DemoTextProvider",
    "OpenAIChatProvider",
    "ProviderError",
    "ProviderSettings",
    "ReasoningDelta",
    "StreamEvent",
    "TextDelta",
    "TextProvider",
    "Usage",
    "text_provider_for",
]
