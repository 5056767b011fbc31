"""Text to image: two images from the same prompt, made by workers, normalized to one size and
format before anyone can fetch them."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from battles.media import image_clean
from battles.media_formats import MAX_IMAGE_SIZE, MIN_IMAGE_SIZE, image_format_for
from battles.modalities.base import ArenaSettings, DemoArena, DemoContender, ModalitySpec
from battles.providers.registry import IMAGE_KINDS, image_provider_for
from battles.sides.guard import SideRun, side_guarded
from battles.sides.media import media_finish, media_result
from battles.sides.plan import Send, SidePlan


class ImageSettings(ArenaSettings):
    """The one size every image of the arena is normalized to (battles/media_formats.py)."""

    image_width: int = Field(default=512, ge=MIN_IMAGE_SIZE, le=MAX_IMAGE_SIZE)
    image_height: int = Field(default=512, ge=MIN_IMAGE_SIZE, le=MAX_IMAGE_SIZE)


async def side_image(plan: SidePlan, turn_index: int, send: Send) -> None:
    target = image_format_for(plan.arena_settings.model_dump())

    async def work(run: SideRun) -> dict[str, Any]:
        provider = image_provider_for(plan.settings)
        events = provider.generate_image(plan.prompt, width=target.width, height=target.height)
        result = await media_result(events, plan, turn_index, send)
        media = await asyncio.to_thread(image_clean, result.data, target=target)
        return await media_finish(plan, media, run)

    await side_guarded(plan, turn_index, send, work)


SPEC = ModalitySpec(
    slug="image",
    label="Text to image",
    provider_kinds=tuple(IMAGE_KINDS),
    provider_for=image_provider_for,
    runner=side_image,
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
