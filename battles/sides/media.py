"""What media runners share: progress relayed in one neutral form, the stored file, and what the
page learns about that file (an opaque URL and its shape, never a name or the native format)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from battles.media import CleanMedia
from battles.models import MediaAsset
from battles.providers.media_base import OnProgress, Progress
from battles.services.outputs import generation_finish_with_media
from battles.sides.failures import side_store
from battles.sides.guard import SideRun
from battles.sides.plan import Send, SidePlan


def media_public(asset: MediaAsset) -> dict[str, Any]:
    return {
        "kind": asset.kind,
        "url": reverse("battles:media", args=[asset.id]),
        "content_type": asset.content_type,
        "width": asset.width,
        "height": asset.height,
        "duration_ms": asset.duration_ms,
    }


# A provider's own stage words ("drawing", "downloading", a job service's status) and its exact
# fractions differ by backend, so they would tell the page which kind of model is answering;
# the page gets one neutral stage and the fraction in steps of 5%.
PUBLIC_STAGE = "making"
PROGRESS_STEPS = 20


def progress_public(fraction: float) -> float:
    clamped = min(max(float(fraction), 0.0), 1.0) if fraction == fraction else 0.0
    return round(round(clamped * PROGRESS_STEPS) / PROGRESS_STEPS, 2)


def progress_relay(plan: SidePlan, turn_index: int, send: Send) -> OnProgress:
    """Passes a provider's progress to the page in the neutral public form."""

    async def relay(event: Progress) -> None:
        await send({"type": "progress", "side": plan.side, "turn": turn_index,
                    "fraction": progress_public(event.fraction), "stage": PUBLIC_STAGE})

    return relay


async def media_finish(plan: SidePlan, media: CleanMedia, run: SideRun) -> dict[str, Any]:
    """Store the normalized file and finish the generation; the `side_done` fields."""
    asset = await side_store(
        generation_finish_with_media, generation_id=plan.generation_id, media=media,
        duration_ms=run.elapsed_ms(),
    )
    return {"media": media_public(asset)}
