"""Drain a provider's stream in tests."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass

from battles.providers import ChatMessage, StreamEvent, TextDelta, TextProvider, Usage


@dataclass
class CollectedAnswer:
    events: list[StreamEvent]

    @property
    def text(self) -> str:
        return "".join(event.text for event in self.events if isinstance(event, TextDelta))

    @property
    def deltas(self) -> list[TextDelta]:
        return [event for event in self.events if isinstance(event, TextDelta)]

    @property
    def usage(self) -> Usage | None:
        last = self.events[-1] if self.events else None
        return last if isinstance(last, Usage) else None


async def collect_answer(
    provider: TextProvider,
    messages: Sequence[ChatMessage],
    *,
    into: list[StreamEvent] | None = None,
) -> CollectedAnswer:
    """All events of one stream; pass `into` to keep the events seen before an error."""
    events = into if into is not None else []
    async with aclosing(provider.stream_chat(messages)) as stream:  # type: ignore[type-var]
        async for event in stream:
            events.append(event)
    return CollectedAnswer(events)


def user_says(*turns: str) -> list[ChatMessage]:
    """A conversation alternating user and assistant turns, starting and ending with the user."""
    return [
        ChatMessage(role="user" if index % 2 == 0 else "assistant", content=turn)
        for index, turn in enumerate(turns)
    ]
