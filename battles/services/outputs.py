"""Finishing a generation together with what it produced beyond text: a media file, a trace.

The file is written first and the database rows in one transaction after it; if that
transaction fails the file is deleted again, so a battle never points at half a result.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from battles.media import CleanMedia, media_file_delete, media_file_save
from battles.models import MediaAsset
from battles.services.generations import generation_finish


def generation_finish_with_media(
    *, generation_id: int, media: CleanMedia, duration_ms: int, text: str = ""
) -> MediaAsset:
    name = media_file_save(media)
    try:
        with transaction.atomic():
            asset = MediaAsset.objects.create(
                generation_id=generation_id, kind=media.kind, file=name,
                content_type=media.content_type, byte_size=len(media.data), width=media.width,
                height=media.height, duration_ms=media.duration_ms, sample_rate=media.sample_rate,
            )
            generation_finish(
                generation_id=generation_id, text=text, time_to_first_token_ms=None,
                duration_ms=duration_ms,
            )
    except BaseException:
        media_file_delete(name)
        raise
    return asset


def generation_finish_with_trace(
    *, generation_id: int, text: str, trace: dict[str, Any], time_to_first_token_ms: int | None,
    duration_ms: int, prompt_tokens: int | None = None, completion_tokens: int | None = None,
) -> None:
    generation_finish(
        generation_id=generation_id, text=text, trace=trace,
        time_to_first_token_ms=time_to_first_token_ms, duration_ms=duration_ms,
        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
    )
