"""Text to image: two images from the same prompt, made by workers, normalized to one size and
format before anyone can fetch them."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from battles.media import CleanMedia, image_clean
from battles.media_formats import MAX_IMAGE_SIZE, MIN_IMAGE_SIZE, image_format_for
from battles.modalities.base import (
    AdvanceAnswer,
    ArenaSettings,
    DemoArena,
    DemoContender,
    ModalitySpec,
)
from battles.providers.base import ProviderSettings
from battles.providers.media_base import OnProgress, media_result_read
from battles.providers.registry import IMAGE_KINDS, image_provider_for
from battles.sides.guard import SideRun, side_guarded
from battles.sides.media import media_finish, progress_relay
from battles.sides.plan import Send, SidePlan


class ImageSettings(ArenaSettings):
    """The one size every image of the arena is normalized to (battles/media_formats.py)."""

    image_width: int = Field(default=512, ge=MIN_IMAGE_SIZE, le=MAX_IMAGE_SIZE)
    image_height: int = Field(default=512, ge=MIN_IMAGE_SIZE, le=MAX_IMAGE_SIZE)


async def image_make(settings: ProviderSettings, prompt: str, arena_settings: ArenaSettings,
                     on_progress: OnProgress | None = None) -> CleanMedia:
    """One image in the arena's one format, for a live side and for an answer made in advance
    alike, so both go through the same provider and normalizer."""
    target = image_format_for(arena_settings.model_dump())
    provider = image_provider_for(settings)
    events = provider.generate_image(prompt, width=target.width, height=target.height)
    result = await media_result_read(events, on_progress)
    return await asyncio.to_thread(image_clean, result.data, target=target)


async def side_image(plan: SidePlan, turn_index: int, send: Send) -> None:
    async def work(run: SideRun) -> dict[str, Any]:
        media = await image_make(plan.settings, plan.prompt, plan.arena_settings,
                                 progress_relay(plan, turn_index, send))
        return await media_finish(plan, media, run)

    await side_guarded(plan, turn_index, send, work)


async def image_advance(settings: ProviderSettings, prompt: str, request: dict[str, Any],
                        arena_settings: ArenaSettings) -> AdvanceAnswer:
    return AdvanceAnswer.of_media(await image_make(settings, prompt, arena_settings))


SPEC = ModalitySpec(
    slug="image",
    label="Text to image",
    provider_kinds=tuple(IMAGE_KINDS),
    provider_for=image_provider_for,
    runner=side_image,
    advance=image_advance,
    settings_model=ImageSettings,
    in_worker=True,
    answer_noun="image",
    max_turns=1,
    style_features=False,
    template="battles/partials/image.html",
    script="battles/image.js",
    release_kind="media",
    release_task="text-to-image",
    media_kind="image",
    demo=DemoArena(
        slug="image",
        name="Image Arena (demo)",
        description="Describe a picture; two anonymous models draw it. The seeded models are "
                    "offline demos.",
        max_turns=1,
        settings={"image_width": 512, "image_height": 384},
        contenders=(
            DemoContender("demo-painter", "Demo Painter", "demo_image", {"style": "painterly"}),
            DemoContender("demo-poster", "Demo Poster", "demo_image", {"style": "flat"}),
            DemoContender("demo-pixel", "Demo Pixel", "demo_image", {"style": "blocky"}),
            DemoContender("demo-static", "Demo Static", "demo_image", {"style": "noise"}),
        ),
    ),
)
