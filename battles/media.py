"""Decode, re-encode and store what image and music providers return.

Every file is decoded and written afresh in the one format its arena declares
(battles/media_formats.py) by the normalizers (battles/normalize_audio.py,
battles/normalize_image.py): a corrupt file fails its side before anything is stored, nothing a
backend embedded survives (EXIF, PNG text chunks, ID3/RIFF INFO/Vorbis tags, model names,
seeds, software strings), and no header or size can tell contenders apart. Files are stored
through Django's storage API under random names that say nothing about the contender.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from battles.media_formats import AudioFormat, ImageFormat
from battles.normalize_audio import audio_normalize
from battles.normalize_image import image_normalize

MEDIA_DIR = "battle-media"


@dataclass(frozen=True)
class CleanMedia:
    kind: str  # "image" | "audio"
    data: bytes
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    sample_rate: int | None = None


def image_clean(data: bytes, *, target: ImageFormat) -> CleanMedia:
    """The image as the arena's metadata-free PNG of one size and one byte size."""
    return CleanMedia("image", image_normalize(data, target=target), "image/png", "png",
                      width=target.width, height=target.height)


def audio_clean(data: bytes, *, target: AudioFormat, duration_s: float) -> CleanMedia:
    """The track as the arena's WAV, exactly `duration_s` long; refuses silence-only, empty,
    non-finite or overlong audio."""
    return CleanMedia("audio", audio_normalize(data, target=target, duration_s=duration_s),
                      "audio/wav", "wav", duration_ms=round(duration_s * 1000),
                      sample_rate=target.sample_rate)


def media_file_save(media: CleanMedia) -> str:
    """Store the bytes under a random name; returns the storage name."""
    name = f"{MEDIA_DIR}/{secrets.token_hex(16)}.{media.extension}"
    return default_storage.save(name, ContentFile(media.data))


def media_file_delete(name: str) -> None:
    default_storage.delete(name)
