"""Decode, re-encode and store what image and music providers return.

Every file is decoded and written afresh: a corrupt file fails its side before anything is
stored, and re-encoding drops EXIF, PNG text chunks, ID3/RIFF INFO tags and anything else a
backend might have embedded (model names, seeds, software strings). Files are stored through
Django's storage API under random names that say nothing about the contender.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

import numpy as np
import soundfile
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from battles.providers import ProviderError

MAX_IMAGE_PIXELS = 4096 * 4096
CORRUPT_IMAGE = "The model returned a corrupt or unreadable image."
CORRUPT_AUDIO = "The model returned a corrupt or unreadable audio file."
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


def image_clean(data: bytes, *, width: int, height: int) -> CleanMedia:
    """A metadata-free PNG of exactly width × height (cropped to fit, never stretched)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise ProviderError("The model's image was too large.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                pixels = image.convert("RGB")
    except ProviderError:
        raise
    except Exception:  # Pillow raises many types for bad input: all mean "corrupt"
        raise ProviderError(CORRUPT_IMAGE) from None
    if pixels.size != (width, height):
        pixels = ImageOps.fit(pixels, (width, height), Image.Resampling.LANCZOS)
    # A fresh image from raw pixels carries no info/EXIF/ICC from the original.
    fresh = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    buffer = io.BytesIO()
    fresh.save(buffer, format="PNG", optimize=False)
    return CleanMedia("image", buffer.getvalue(), "image/png", "png", width=width, height=height)


def audio_clean(data: bytes, *, max_duration_s: float) -> CleanMedia:
    """A metadata-free 16-bit WAV; refuses silence-only, empty, non-finite or overlong audio."""
    try:
        samples, sample_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:  # libsndfile errors come as several types
        raise ProviderError(CORRUPT_AUDIO) from None
    if samples.size == 0 or sample_rate <= 0 or not np.isfinite(samples).all():
        raise ProviderError(CORRUPT_AUDIO)
    duration_s = samples.shape[0] / sample_rate
    if duration_s > max_duration_s + 1.0:
        raise ProviderError(
            f"The model's track was {duration_s:.0f} s long; this battle allows "
            f"{max_duration_s:g} s."
        )
    if float(np.abs(samples).max()) < 1e-4:
        raise ProviderError("The model returned a silent track.")
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(samples, -1.0, 1.0), sample_rate, format="WAV",
                    subtype="PCM_16")
    return CleanMedia("audio", buffer.getvalue(), "audio/wav", "wav",
                      duration_ms=int(duration_s * 1000), sample_rate=int(sample_rate))


def media_file_save(media: CleanMedia) -> str:
    """Store the bytes under a random name; returns the storage name."""
    name = f"{MEDIA_DIR}/{secrets.token_hex(16)}.{media.extension}"
    return default_storage.save(name, ContentFile(media.data))


def media_file_delete(name: str) -> None:
    default_storage.delete(name)
