"""Any image a backend returns, as one arena's PNG: a pure function of the pixels only.

Why a PNG that is not compressed: compressed sizes follow the content, and a model whose
pictures are flat (a poster style) compresses far better than one whose pictures are noisy,
so the `Content-Length` alone would tell them apart. With zlib level 0 the deflate stream is
a run of "stored" blocks whose framing depends only on the length of the raw rows, and the
PNG holds only IHDR, IDAT and IEND (no text, time, physical-size, gamma or ICC chunks), so
every image of one arena has the same byte size: about width × height × 3 plus a few hundred
bytes. Tests check this for very different contents.

The decode goes through Pillow with its decompression-bomb check as an error and a pixel cap
checked before any pixel is decoded; EXIF orientation and ICC colours are applied to the
pixels, then everything but the pixels is dropped by building a fresh image from raw bytes.
"""

from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageCms, ImageOps

from battles.media_formats import ImageFormat
from battles.providers import ProviderError

CORRUPT_IMAGE = "The model returned a corrupt or unreadable image."
TOO_BIG_IMAGE = "The model's image was too large."
MAX_IMAGE_PIXELS = 4096 * 4096
MAX_IMAGE_BYTES = 64 * 1024 * 1024
BACKGROUND = (255, 255, 255)
_SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


def image_normalize(data: bytes, *, target: ImageFormat) -> bytes:
    """PNG bytes of exactly target.width × target.height (cropped to fit, never stretched)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ProviderError(TOO_BIG_IMAGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise ProviderError(TOO_BIG_IMAGE)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # an animation shows its first frame
                image.load()
                pixels = _rgb(image)
    except ProviderError:
        raise
    except Image.DecompressionBombError:
        raise ProviderError(TOO_BIG_IMAGE) from None
    except Exception:  # Pillow raises many types for bad input: all mean "corrupt"
        raise ProviderError(CORRUPT_IMAGE) from None
    size = (target.width, target.height)
    if pixels.size != size:
        pixels = ImageOps.fit(pixels, size, Image.Resampling.LANCZOS)
    fresh = Image.frombytes("RGB", pixels.size, pixels.tobytes())
    buffer = io.BytesIO()
    fresh.save(buffer, format="PNG", compress_level=0, optimize=False)
    return buffer.getvalue()


def _rgb(image: Image.Image) -> Image.Image:
    """8-bit sRGB pixels as the image means them: upright, colour-managed, alpha flattened."""
    upright = _upright(image)
    if upright.mode in _SIXTEEN_BIT:  # Pillow would clip 16-bit grey to white, not scale it
        upright = upright.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA", "CMYK", "L"):
        upright = _to_srgb(upright, icc)
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        return Image.alpha_composite(flat, rgba).convert("RGB")
    return upright.convert("RGB")


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says; unreadable EXIF is ignored, as browsers do."""
    try:
        return ImageOps.exif_transpose(image) or image
    except (SyntaxError, ValueError, OSError, KeyError, TypeError, struct.error):
        return image


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Apply an embedded colour profile; one that cannot be read is ignored, as browsers do."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image
