"""Text chat: multi-turn, answers stream token by token as sanitized Markdown."""

from __future__ import annotations

import time
from contextlib import aclosing
from typing import Any

from battles.modalities.base import (
    AdvanceAnswer,
    ArenaSettings,
    DemoArena,
    DemoContender,
    ModalitySpec,
)
from battles.models import reasoning_shown
from battles.providers import (
    PROVIDER_KIND_CHOICES,
    ChatMessage,
    ProviderError,
    ProviderSettings,
    ReasoningDelta,
    TextDelta,
    Usage,
    text_provider_for,
)
from battles.rendering import markdown_to_safe_html
from battles.services.generations import generation_finish
from battles.sides.failures import REASONING_ONLY, side_store
from battles.sides.guard import SideRun, side_guarded
from battles.sides.plan import Send, SidePlan
from battles.storable import storable_text

# Re-rendering the whole answer as Markdown on every token would cost O(n^2); the browser
# shows raw deltas in between and swaps in sanitized HTML at this interval and at the end.
RENDER_INTERVAL_S = 0.1


def answer_text_check(text: str, reasoning: str, *, show_reasoning: bool) -> None:
    """An answer needs text, or reasoning the arena shows (ProviderError otherwise): the same
    rule for a live side and for an answer made in advance."""
    if text.strip():
        return
    if not reasoning.strip():
        raise ProviderError("The model returned an empty answer.")
    if not show_reasoning:
        raise ProviderError(REASONING_ONLY)


async def side_text(plan: SidePlan, turn_index: int, send: Send) -> None:
    """Stream one answer (and its reasoning, which the page sees only where the arena shows it),
    store it, and only then count it as answered."""
    show_reasoning = reasoning_shown(plan.arena_settings.model_dump())

    async def work(run: SideRun) -> dict[str, Any]:
        provider = text_provider_for(plan.settings)
        last_render = 0.0
        async with aclosing(provider.stream_chat(plan.messages)) as events:  # type: ignore[type-var]
            async for event in events:
                if isinstance(event, Usage):
                    run.usage = event
                    continue
                if not isinstance(event, TextDelta | ReasoningDelta) or not event.text:
                    continue
                now = time.monotonic()
                message: dict[str, Any] = {"type": "chunk", "side": plan.side,
                                           "turn": turn_index, "delta": ""}
                if isinstance(event, ReasoningDelta):
                    run.thought(event.text)
                    if not show_reasoning or now - last_render < RENDER_INTERVAL_S:
                        continue
                    message["reasoning_html"] = markdown_to_safe_html(run.reasoning)
                else:
                    run.token(event.text)
                    message["delta"] = event.text
                    if now - last_render >= RENDER_INTERVAL_S:
                        message["html"] = markdown_to_safe_html(run.text)
                if "html" in message or "reasoning_html" in message:
                    last_render = now
                await send(message)
        text, reasoning = run.text, run.reasoning
        answer_text_check(text, reasoning, show_reasoning=show_reasoning)
        usage = run.usage
        await side_store(
            generation_finish, generation_id=plan.generation_id, text=text, reasoning=reasoning,
            time_to_first_token_ms=run.first_token_ms(), duration_ms=run.elapsed_ms(),
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )
        done = {"html": markdown_to_safe_html(storable_text(text))}
        if show_reasoning and reasoning:
            done["reasoning_html"] = markdown_to_safe_html(storable_text(reasoning))
        return done

    await side_guarded(plan, turn_index, send, work)


async def text_advance(settings: ProviderSettings, prompt: str, request: dict[str, Any],
                       arena_settings: ArenaSettings) -> AdvanceAnswer:
    """The whole answer (and reasoning) to one prompt, with nobody watching it stream."""
    provider = text_provider_for(settings)
    parts: list[str] = []
    thoughts: list[str] = []
    messages = [ChatMessage(role="user", content=prompt)]
    async with aclosing(provider.stream_chat(messages)) as events:  # type: ignore[type-var]
        async for event in events:
            if isinstance(event, TextDelta):
                parts.append(event.text)
            elif isinstance(event, ReasoningDelta):
                thoughts.append(event.text)
    text, reasoning = "".join(parts).strip(), "".join(thoughts).strip()
    answer_text_check(text, reasoning,
                      show_reasoning=reasoning_shown(arena_settings.model_dump()))
    return AdvanceAnswer(kind="text", text=text, reasoning=reasoning)


def _demo(slug: str, name: str, style: str, **extra: Any) -> DemoContender:
    gold = extra.pop("gold", False)
    return DemoContender(
        slug, name, "demo_text",
        params={"style": style, "token_delay": 0.02, **({"gold_broken": True} if gold else {})},
        **extra,
    )


SPEC = ModalitySpec(
    slug="text",
    label="Text chat",
    provider_kinds=tuple(PROVIDER_KIND_CHOICES),
    provider_for=text_provider_for,
    runner=side_text,
    advance=text_advance,
    diverse=True,
    demo=DemoArena(
        slug="text",
        name="Text Arena (demo)",
        description="Chat with two anonymous models. The seeded models are offline demos; add "
                    "real ones in the admin.",
        contenders=(
            _demo("demo-scholar", "Demo Scholar", "expert"),
            _demo("demo-brief", "Demo Brief", "concise"),
            _demo("demo-rambler", "Demo Rambler", "verbose"),
            _demo("demo-sloppy", "Demo Sloppy", "sloppy"),
            # A gold check: deliberately broken, sampled rarely; its battles measure annotators
            # (quality signals) and never rank.
            _demo("demo-gold-check", "Gold check (deliberately broken)", "broken",
                  sampling_weight=0.15, gold=True),
        ),
    ),
)
