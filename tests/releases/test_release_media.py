"""Measurements a release reads from a file's header when the database holds none (study
answers): an image's size, a WAV track's length, nothing for other kinds or unreadable files."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from releases.media import media_measured


def _stored(name: str, data: bytes) -> str:
    return default_storage.save(name, ContentFile(data))


def test_it_reads_an_images_size_and_a_wav_tracks_length(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    png = io.BytesIO()
    Image.new("RGB", (12, 7), "blue").save(png, format="PNG")
    track = io.BytesIO()
    with wave.open(track, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 12_000)  # 1.5 s
    assert media_measured(_stored("a.png", png.getvalue()), "image/png") == {
        "width": 12, "height": 7, "duration_ms": None}
    assert media_measured(_stored("a.wav", track.getvalue()), "audio/wav") == {
        "width": None, "height": None, "duration_ms": 1500}
    assert media_measured(_stored("a.glb", b"glTF"), "model/gltf-binary") is None
    assert media_measured(_stored("b.png", b"not an image"), "image/png") is None
