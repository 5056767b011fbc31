"""The media normalizers: whatever format a backend returns, the file that can be fetched says
nothing but the sound or the pixels. Inputs below are deliberately as different as backends
make them (rates, channels, sample formats, codecs, tags naming the model; image sizes, modes,
encoders, metadata), and every output must share one header, one size rule and no metadata."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from typing import cast

import av
import numpy as np
import pyloudnorm
import pytest
import soundfile
from av.audio.stream import AudioStream
from PIL import Image, ImageCms, PngImagePlugin

from battles import normalize_audio, normalize_image
from battles.media_formats import AudioFormat, ImageFormat, audio_format_for, image_format_for
from battles.normalize_audio import audio_normalize
from battles.normalize_image import image_normalize
from battles.providers import ProviderError

MODEL = "SecretModel-v7"
TAG = MODEL.encode()
WAV_HEADER = 44


def _tone(rate: int, channels: int, seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    mono = amplitude * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    return np.tile(mono[:, None], (1, channels))


def _wav(subtype: str, rate: int, channels: int, seconds: float = 1.0,
         samples: np.ndarray | None = None, container: str = "WAV") -> bytes:
    """A WAV with RIFF LIST/INFO tags naming the model (libsndfile writes them)."""
    buffer = io.BytesIO()
    data = _tone(rate, channels, seconds) if samples is None else samples
    with soundfile.SoundFile(buffer, "w", rate, channels, subtype, format=container) as out:
        out.title = MODEL
        out.artist = MODEL
        out.write(data)
    return buffer.getvalue()


def _encoded(fmt: str, codec: str, rate: int, layout: str, seconds: float = 1.0,
             options: dict[str, str] | None = None) -> bytes:
    """A compressed file whose container tags (ID3, Vorbis comments) name the model."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        out.metadata["title"] = MODEL
        out.metadata["artist"] = MODEL
        stream = cast(AudioStream, out.add_stream(codec, rate=rate, options=options or {}))
        stream.layout = layout
        channels = stream.layout.nb_channels
        planar = _tone(rate, channels, seconds).T.astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar), format="fltp",
                                           layout=layout)
        frame.sample_rate = rate
        resampler = av.AudioResampler(
            format=stream.format.name, layout=layout, rate=rate,
            frame_size=stream.codec_context.frame_size or None,
        )
        for chunk in [*resampler.resample(frame), *resampler.resample(None), None]:
            for packet in stream.encode(chunk):
                out.mux(packet)
    return buffer.getvalue()


AUDIO_INPUTS: dict[str, Callable[[], bytes]] = {
    "wav-u8-8k-mono": lambda: _wav("PCM_U8", 8000, 1),
    "wav-16-16k-mono": lambda: _wav("PCM_16", 16000, 1),
    "wav-24-22k-stereo": lambda: _wav("PCM_24", 22050, 2),
    "wav-32-44k-stereo": lambda: _wav("PCM_32", 44100, 2),
    "wav-float-48k-5.1": lambda: _wav("FLOAT", 48000, 6, container="WAVEX"),
    "wav-double-44k-mono": lambda: _wav("DOUBLE", 44100, 1),
    "mp3-44k-stereo-id3": lambda: _encoded("mp3", "libmp3lame", 44100, "stereo"),
    "ogg-vorbis-22k-stereo": lambda: _encoded("ogg", "vorbis", 22050, "stereo",
                                              options={"strict": "experimental"}),
    "ogg-opus-48k-mono": lambda: _encoded("ogg", "libopus", 48000, "mono"),
    "flac-16k-mono": lambda: _encoded("flac", "flac", 16000, "mono"),
    "flac-48k-5.1": lambda: _encoded("flac", "flac", 48000, "5.1"),
}


def _riff_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks, offset = [], 12
    while offset < len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        chunks.append(chunk_id)
        offset += 8 + size + size % 2
    return chunks


def test_it_gives_every_native_audio_format_one_header_size_and_loudness() -> None:
    target, duration_s = AudioFormat(), 1.25
    frames = round(duration_s * target.sample_rate)
    outputs = {}
    for name, make in AUDIO_INPUTS.items():
        native = make()
        assert TAG in native, f"{name}: the input should carry the model's name"
        outputs[name] = audio_normalize(native, target=target, duration_s=duration_s)

    headers = {out[:WAV_HEADER] for out in outputs.values()}
    assert len(headers) == 1
    assert {len(out) for out in outputs.values()} == {WAV_HEADER + frames * 2 * 2}
    meter = pyloudnorm.Meter(target.sample_rate)
    for name, out in outputs.items():
        assert TAG not in out and b"LIST" not in out and b"ID3" not in out, name
        assert _riff_chunks(out) == [b"fmt ", b"data"], name
        info = soundfile.info(io.BytesIO(out))
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (
            44100, 2, "PCM_16", frames), name
        with av.open(io.BytesIO(out)) as container:
            stream = container.streams.audio[0]
            assert (stream.codec_context.name, stream.rate, stream.channels) == (
                "pcm_s16le", 44100, 2), name
            assert not container.metadata and not stream.metadata, name
        samples, _ = soundfile.read(io.BytesIO(out))
        assert meter.integrated_loudness(samples) == pytest.approx(-16.0, abs=0.5), name


def test_the_arena_declares_the_audio_format() -> None:
    target = audio_format_for({"audio_sample_rate": 48000, "audio_channels": 1,
                               "audio_loudness_lufs": -14})
    assert target == AudioFormat(sample_rate=48000, channels=1, loudness_lufs=-14.0)
    assert audio_format_for({"audio_sample_rate": 12345, "audio_channels": 6}) == AudioFormat()
    out = audio_normalize(AUDIO_INPUTS["wav-24-22k-stereo"](), target=target, duration_s=1)
    info = soundfile.info(io.BytesIO(out))
    assert (info.samplerate, info.channels, len(out)) == (48000, 1, WAV_HEADER + 48000 * 2)


@pytest.mark.parametrize("duration_s", [1.25, 1.5, 2.345, 3.0])
def test_a_tracks_size_is_a_function_of_the_requested_duration_alone(duration_s: float) -> None:
    """Shorter answers are padded with silence and longer ones cut, so duration names nothing."""
    native = _wav("PCM_16", 22050, 1, seconds=2.0)
    out = audio_normalize(native, target=AudioFormat(), duration_s=duration_s)
    assert len(out) == WAV_HEADER + round(duration_s * 44100) * 4


@pytest.mark.parametrize(("make", "message"), [
    (lambda: b"", "corrupt"),
    (lambda: b"RIFF not really audio" * 50, "corrupt"),
    (lambda: _wav("PCM_16", 16000, 1, samples=np.zeros((16000, 1))), "silent"),
    (lambda: _wav("FLOAT", 16000, 1, samples=np.full((16000, 1), np.nan)), "corrupt"),
    (lambda: _wav("PCM_16", 16000, 1, seconds=4), "allows 2 s"),
    # A decompression bomb: two minutes of sound in a few kilobytes, refused part-way through.
    (lambda: _encoded("flac", "flac", 8000, "mono", seconds=120), "allows 2 s"),
])
def test_it_refuses_bad_audio(make: Callable[[], bytes], message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        audio_normalize(make(), target=AudioFormat(), duration_s=2)


def test_it_refuses_an_oversized_audio_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalize_audio, "MAX_AUDIO_BYTES", 1000)
    with pytest.raises(ProviderError, match="too large"):
        audio_normalize(_wav("PCM_16", 16000, 1), target=AudioFormat(), duration_s=1)


def _noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(size[0] * size[1])
    channels = len(mode)
    pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(pixels.squeeze(), mode)


def _saved(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"model: {MODEL}, seed 42")
    info.add_itxt("Software", MODEL)
    return _saved(_noise((300, 200)), "PNG", pnginfo=info)


def _jpeg_with_exif_and_icc() -> bytes:
    exif = Image.Exif()
    exif[0x0131] = MODEL  # Software
    exif[0x010F] = MODEL  # Make
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    gradient = Image.linear_gradient("L").resize((1024, 768)).convert("RGB")
    return _saved(gradient, "JPEG", exif=exif, icc_profile=icc, quality=95)


def _animated_gif() -> bytes:
    frames = [_noise((200, 300)).convert("P"), Image.new("P", (200, 300), 3)]
    return _saved(frames[0], "GIF", save_all=True, append_images=frames[1:],
                  comment=MODEL.encode())


def _palette_with_transparency() -> bytes:
    image = _noise((128, 128)).quantize(16)
    return _saved(image, "PNG", transparency=0)


def _sixteen_bit() -> bytes:
    grey = np.full((256, 256), 32768, dtype=np.uint16)
    return _saved(Image.fromarray(grey), "PNG")


IMAGE_INPUTS: dict[str, Callable[[], bytes]] = {
    "png-text-chunks": _png_with_text,
    "jpeg-exif-icc": _jpeg_with_exif_and_icc,
    "webp-rgba-exif": lambda: _saved(_noise((640, 640), "RGBA"), "WEBP",
                                     exif=b"Exif\x00\x00" + TAG),
    "gif-animated-comment": _animated_gif,
    "png-palette-transparent": _palette_with_transparency,
    "png-rgba": lambda: _saved(_noise((800, 600), "RGBA"), "PNG"),
    "png-16-bit-grey": _sixteen_bit,
    "png-la": lambda: _saved(_noise((90, 60), "LA"), "PNG"),
    "jpeg-cmyk": lambda: _saved(_noise((400, 300), "CMYK"), "JPEG"),
    "png-1-bit": lambda: _saved(_noise((64, 64)).convert("1"), "PNG"),
    "png-flat-colour": lambda: _saved(Image.new("RGB", (512, 384), (12, 34, 56)), "PNG"),
    "png-noise-exact-size": lambda: _saved(_noise((512, 384)), "PNG"),
}


def _png_chunks(data: bytes) -> list[tuple[bytes, int]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunks.append((kind, size))
        offset += 12 + size
    return chunks


def test_it_gives_every_native_image_one_size_one_format_and_one_byte_size() -> None:
    target = ImageFormat(width=512, height=384)
    outputs = {name: image_normalize(make(), target=target) for name, make in IMAGE_INPUTS.items()}

    assert len({len(out) for out in outputs.values()}) == 1
    assert len({tuple(_png_chunks(out)) for out in outputs.values()}) == 1
    kinds = {kind for kind, _ in _png_chunks(outputs["png-noise-exact-size"])}
    assert kinds == {b"IHDR", b"IDAT", b"IEND"}
    for name, out in outputs.items():
        assert TAG not in out and b"Exif" not in out and b"acsp" not in out, name
        with Image.open(io.BytesIO(out)) as image:
            assert (image.format, image.mode, image.size) == ("PNG", "RGB", (512, 384)), name
            assert not image.info and not image.getexif(), name


@pytest.mark.parametrize("size", [(64, 64), (333, 777), (1536, 1024)])
def test_an_images_byte_size_does_not_depend_on_its_content(size: tuple[int, int]) -> None:
    """Flat pictures compress far better than noisy ones; stored uncompressed, they cannot."""
    target = ImageFormat(*size)
    flat = image_normalize(_saved(Image.new("RGB", size), "PNG"), target=target)
    noisy = image_normalize(_saved(_noise(size), "PNG"), target=target)
    assert len(flat) == len(noisy)
    assert _png_chunks(flat) == _png_chunks(noisy)


def test_it_keeps_what_the_pixels_mean() -> None:
    grey = image_normalize(_sixteen_bit(), target=ImageFormat(64, 64))
    assert Image.open(io.BytesIO(grey)).getpixel((10, 10)) == (128, 128, 128)

    stored = Image.new("RGB", (200, 100), (255, 0, 0))
    stored.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: the left half ends on top
    upright = Image.open(io.BytesIO(image_normalize(
        _saved(stored, "JPEG", exif=exif, quality=95), target=ImageFormat(100, 200))))
    top, bottom = upright.getpixel((50, 20)), upright.getpixel((50, 180))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and bottom[2] > 200


def test_the_arena_declares_the_image_format() -> None:
    assert image_format_for({"image_width": 640, "image_height": 480}) == ImageFormat(640, 480)
    assert image_format_for({"image_width": 10**6, "image_height": "x"}) == ImageFormat(1536, 512)


def _pixel_bomb() -> bytes:
    """A real PNG whose header claims 100,000 × 100,000 pixels."""
    data = bytearray(_saved(Image.new("RGB", (8, 8)), "PNG"))
    data[16:24] = struct.pack(">II", 100_000, 100_000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: b"", "corrupt"),
    (lambda: b"\x89PNG\r\n\x1a\nnot an image", "corrupt"),
    (lambda: _png_with_text()[:400], "corrupt"),
    (_pixel_bomb, "too large"),
])
def test_it_refuses_bad_images(make: Callable[[], bytes], message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        image_normalize(make(), target=ImageFormat())


def test_it_refuses_an_oversized_image_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalize_image, "MAX_IMAGE_BYTES", 1000)
    with pytest.raises(ProviderError, match="too large"):
        image_normalize(_png_with_text(), target=ImageFormat())
