"""Media files in a release: their opaque names, the copy into the release directory, and the
measurements a row carries. Arena battles and study answers both go through here, so a file is
named, copied and described the same way whichever kind of release holds it.
"""

from __future__ import annotations

import shutil
import wave
from collections.abc import Callable
from pathlib import Path

from django.core.files.storage import default_storage
from PIL import Image

# (path inside the release, storage name): what a row builder calls for each file it names.
MediaSink = Callable[[str, str], None]
MediaInfo = dict[str, int | None]

MEDIA_DIR = "media"
WAV_TYPES = frozenset({"audio/wav", "audio/wave", "audio/x-wav"})


def media_extension(stored_name: str) -> str:
    """The released file's extension: the one the platform gave the normalized file when it
    stored it (battles/media.py), so a new media kind (a 3D model's .glb) needs no table here."""
    suffix = stored_name.rsplit(".", 1)[-1].lower() if "." in stored_name else ""
    return suffix if suffix.isalnum() and len(suffix) <= 5 else "bin"


def media_release_path(opaque: str, stored_name: str) -> str:
    """`media/<keyed id>.<ext>`: neither the contender nor the storage name shows through."""
    return f"{MEDIA_DIR}/{opaque}.{media_extension(stored_name)}"


def media_copier(directory: Path) -> MediaSink:
    """A sink that copies each named file from storage into `directory` once (a file shown in
    several rows is written once)."""

    def copy(target: str, source: str) -> None:
        path = directory / target
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(source, "rb") as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst)

    return copy


def media_discard(_target: str, _source: str) -> None:
    """A sink for row builders run without a directory (tests, small exports)."""


def media_info(*, width: int | None = None, height: int | None = None,
               duration_ms: int | None = None) -> MediaInfo:
    return {"width": width, "height": height, "duration_ms": duration_ms}


def media_measured(stored_name: str, content_type: str) -> MediaInfo | None:
    """An image's size or a WAV track's duration, read from the file's header; None for other
    kinds (3D models) or a file that cannot be read. Study answers keep only the file, not the
    measurements a battle's MediaAsset stores, so their release reads them here."""
    kind = content_type.split("/", 1)[0]
    if kind != "image" and content_type not in WAV_TYPES:
        return None
    try:
        with default_storage.open(stored_name, "rb") as handle:
            if kind == "image":
                with Image.open(handle) as image:
                    width, height = image.size
                return media_info(width=width, height=height)
            with wave.open(handle) as track:
                frames, rate = track.getnframes(), track.getframerate()
            return media_info(duration_ms=round(frames * 1000 / rate) if rate else None)
    except (OSError, EOFError, wave.Error):
        return None
