"""The one output format an arena declares for its media, read from `Arena.settings` here only.

Every answer of an arena is re-encoded to this format before anyone can fetch it, so that no
header, size or tag can tell two contenders apart (docs/arenas.md, "Media guarantee"). The
formats are small frozen values, so the normalizers that take them stay pure functions and the
settings can later come from a typed per-modality spec instead of a JSON field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SAMPLE_RATES = (22050, 24000, 32000, 44100, 48000)
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 64, 1536


@dataclass(frozen=True)
class AudioFormat:
    """16-bit PCM WAV at one rate and channel count, at one integrated loudness.

    The true-peak ceiling wins over the loudness target: a track too peaky to reach the target
    without clipping ends quieter, which depends on the music, not on the model's encoder.
    """

    sample_rate: int = 44100
    channels: int = 2
    loudness_lufs: float = -16.0
    true_peak_dbtp: float = -1.0


@dataclass(frozen=True)
class ImageFormat:
    """An RGB PNG of exactly width × height, stored uncompressed (see normalize_image)."""

    width: int = 512
    height: int = 512


@dataclass(frozen=True)
class MeshFormat:
    """The one GLB profile an arena stores (see normalize_mesh); the limits are the bomb guards.

    `file_bytes` is the exact size of every stored GLB: a denser mesh makes a larger file, and
    each model's meshes are dense in its own way, so a size that followed the content would
    name the model through `Content-Length` alone. The JSON chunk is padded to `json_bytes`
    and the binary buffer to the rest (unused buffer bytes are valid glTF); a mesh that does
    not fit is refused with a clear message.
    """

    texture_size: int = 512
    file_bytes: int = 8 * 1024 * 1024
    json_bytes: int = 4096
    max_bytes: int = 64 * 1024 * 1024
    max_vertices: int = 500_000
    max_faces: int = 1_000_000
    max_texture_pixels: int = 4096 * 4096


def _clamped(settings: Mapping[str, Any], name: str, default: float, low: float,
             high: float) -> float:
    try:
        value = float(settings.get(name, default))
    except (TypeError, ValueError):
        value = default
    return min(max(value, low), high)


def audio_format_for(arena_settings: Mapping[str, Any]) -> AudioFormat:
    """`audio_sample_rate` (one of SAMPLE_RATES), `audio_channels` (1 or 2),
    `audio_loudness_lufs`, `audio_true_peak_dbtp`; anything else falls back to the defaults."""
    default = AudioFormat()
    rate = arena_settings.get("audio_sample_rate", default.sample_rate)
    channels = arena_settings.get("audio_channels", default.channels)
    return AudioFormat(
        sample_rate=rate if rate in SAMPLE_RATES else default.sample_rate,
        channels=channels if channels in (1, 2) else default.channels,
        loudness_lufs=_clamped(arena_settings, "audio_loudness_lufs", default.loudness_lufs,
                               -30.0, -8.0),
        true_peak_dbtp=_clamped(arena_settings, "audio_true_peak_dbtp", default.true_peak_dbtp,
                                -6.0, 0.0),
    )


def image_format_for(arena_settings: Mapping[str, Any]) -> ImageFormat:
    """`image_width` and `image_height`, each clamped to MIN_IMAGE_SIZE..MAX_IMAGE_SIZE."""
    default = ImageFormat()

    def dimension(name: str, fallback: int) -> int:
        return int(_clamped(arena_settings, name, fallback, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE))

    return ImageFormat(width=dimension("image_width", default.width),
                       height=dimension("image_height", default.height))
