"""Text to 3D and image to 3D (3DGen-Arena): two assets made by workers, normalized to one GLB
profile, shown side by side in the interactive viewer; the vote opens after both were viewed for
the arena's minimum, and asks about geometry, texture and prompt alignment beside the overall
choice."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field

from battles.media import CleanMedia
from battles.media_formats import MeshFormat
from battles.modalities.base import (
    AdvanceAnswer,
    ArenaSettings,
    Aspect,
    DemoArena,
    DemoContender,
    ExposureGate,
    ModalitySpec,
)
from battles.normalize_mesh import mesh_normalize
from battles.providers.base import ProviderSettings
from battles.providers.media_base import OnProgress, media_result_read
from battles.providers.threed_base import GLB_CONTENT_TYPE
from battles.providers.threed_registry import THREED_KINDS, threed_provider_for
from battles.reference_images import reference_image_read
from battles.sides.guard import SideRun, side_guarded
from battles.sides.media import media_finish, progress_relay
from battles.sides.plan import Send, SidePlan


class ThreeDSettings(ArenaSettings):
    """The viewing minimum and the one GLB profile every asset of the arena is stored in."""

    min_view_s: float = Field(default=10.0, ge=0, le=600)
    texture_size: int = Field(default=512, ge=64, le=2048)
    max_vertices: int = Field(default=500_000, ge=1000, le=2_000_000)
    max_faces: int = Field(default=1_000_000, ge=1000, le=4_000_000)
    # Every stored GLB is exactly this long, so its size cannot name the model (MeshFormat).
    glb_megabytes: int = Field(default=8, ge=1, le=64)


def mesh_format_for(settings: ArenaSettings) -> MeshFormat:
    typed = settings if isinstance(settings, ThreeDSettings) else ThreeDSettings()
    return MeshFormat(texture_size=typed.texture_size, max_vertices=typed.max_vertices,
                      max_faces=typed.max_faces, file_bytes=typed.glb_megabytes * 1024 * 1024)


def _route(prompt: str, settings: ArenaSettings, image_ref: str | None) -> dict[str, Any]:
    """Text-to-3D, or image-to-3D when the annotator's verified reference image came along."""
    return {"task": "image-to-3d", "image": image_ref} if image_ref else {"task": "text-to-3d"}


async def threed_make(settings: ProviderSettings, prompt: str, image: bytes | None,
                      arena_settings: ArenaSettings,
                      on_progress: OnProgress | None = None) -> CleanMedia:
    """One asset as the arena's GLB profile, padded to its fixed size, for a live side and for
    an answer made in advance alike."""
    provider = threed_provider_for(settings)
    result = await media_result_read(provider.generate_3d(prompt, image=image), on_progress)
    glb = await asyncio.to_thread(mesh_normalize, result.data,
                                  target=mesh_format_for(arena_settings))
    return CleanMedia("model", glb, GLB_CONTENT_TYPE, "glb")


async def side_threed(plan: SidePlan, turn_index: int, send: Send) -> None:
    async def work(run: SideRun) -> dict[str, Any]:
        image_ref = plan.request.get("image")
        image = (await asyncio.to_thread(reference_image_read, str(image_ref))
                 if image_ref else None)
        media = await threed_make(plan.settings, plan.prompt, image, plan.arena_settings,
                                  progress_relay(plan, turn_index, send))
        return await media_finish(plan, media, run)

    await side_guarded(plan, turn_index, send, work)


async def threed_advance(settings: ProviderSettings, prompt: str, request: dict[str, Any],
                         arena_settings: ArenaSettings) -> AdvanceAnswer:
    """Text to 3D: an answer made in advance has no annotator's verified reference image."""
    return AdvanceAnswer.of_media(await threed_make(settings, prompt, None, arena_settings))


SPEC = ModalitySpec(
    slug="threed",
    label="Text / image to 3D",
    provider_kinds=tuple(THREED_KINDS),
    provider_for=threed_provider_for,
    runner=side_threed,
    advance=threed_advance,
    settings_model=ThreeDSettings,
    in_worker=True,
    answer_noun="model",
    route=_route,
    accepts_image=True,
    gate=ExposureGate(setting="min_view_s", verb="Look at", noun="models", measured="viewed",
                      bounded_by_duration=False),
    max_turns=1,
    aspects=(
        Aspect("geometry", "Geometry", "Which shape is better made?"),
        Aspect("texture", "Texture", "Which surface and colours look better?"),
        Aspect("alignment", "Prompt alignment", "Which matches the prompt better?"),
    ),
    style_features=False,
    template="battles/partials/threed.html",
    script="battles/threed_arena.js",
    release_kind="media_exposure",
    release_task="text-to-3d",
    media_kind="model",
    demo=DemoArena(
        slug="threed",
        name="3D Arena (demo)",
        description="Describe an object, or add a reference image; two anonymous models build "
                    "it in 3D. Look at both before voting. The seeded models are offline demos.",
        max_turns=1,
        settings={"min_view_s": 10},
        contenders=(
            DemoContender("demo-sculptor", "Demo Sculptor", "demo_3d", {"style": "fine"}),
            DemoContender("demo-lowpoly", "Demo Low-poly", "demo_3d", {"style": "coarse"}),
            DemoContender("demo-voxel", "Demo Voxel", "demo_3d", {"style": "blocky"}),
            DemoContender("demo-jitter", "Demo Jitter", "demo_3d", {"style": "noisy"}),
        ),
    ),
)
