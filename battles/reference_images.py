"""Reference images annotators upload for modalities that accept one (image-to-3D, …).

The upload is untrusted: it is decoded and re-encoded by the one image normalizer
(battles/normalize_image.py) into a fixed, metadata-free PNG before it is stored, under a random
name. The page gets back an opaque token signed with the site's key and bound to the annotator
and the arena, so a battle can only use an image its own annotator uploaded there, recently;
the storage name never travels through the page unsigned.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from battles.errors import ArenaError
from battles.media_formats import ImageFormat
from battles.normalize_image import image_normalize
from battles.providers.base import ProviderError

REFERENCE_DIR = "reference-images"
REFERENCE_FORMAT = ImageFormat(width=512, height=512)
MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # under HTTP_MAX_BODY_BYTES with the multipart framing
TOKEN_MAX_AGE_S = 6 * 60 * 60
_SALT = "battles.reference-image"
# What reference_image_store names files; anything else is never opened, even when signed.
_NAME = re.compile(rf"^{REFERENCE_DIR}/[0-9a-f]{{32}}[A-Za-z0-9_]*\.png$")


def reference_image_store(*, data: bytes, arena_slug: str, annotator_id: object) -> str:
    """Re-encode and store the upload; the signed token the page sends with its prompt."""
    if not data:
        raise ArenaError("Choose an image file first.", code="image_missing")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ArenaError(f"Images are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
                         code="image_too_large", status=413)
    try:
        png = image_normalize(data, target=REFERENCE_FORMAT)
    except ProviderError:
        raise ArenaError("That file is not an image this arena can read (PNG, JPEG, WebP, …).",
                         code="image_invalid") from None
    name = default_storage.save(f"{REFERENCE_DIR}/{secrets.token_hex(16)}.png", ContentFile(png))
    return signing.dumps({"n": name, "a": str(annotator_id), "r": arena_slug}, salt=_SALT,
                         compress=True)


def reference_image_verify(*, token: object, arena_slug: str, annotator_id: object) -> str:
    """The storage name behind a token this annotator got from this arena; ArenaError if the
    token is forged, expired, someone else's or from another arena."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise ArenaError("The reference image is missing or invalid; upload it again.",
                         code="image_token_invalid")
    try:
        payload: Any = signing.loads(token, salt=_SALT, max_age=TOKEN_MAX_AGE_S)
    except signing.SignatureExpired:
        raise ArenaError("The reference image expired; upload it again.",
                         code="image_token_expired") from None
    except signing.BadSignature:
        raise ArenaError("The reference image is missing or invalid; upload it again.",
                         code="image_token_invalid") from None
    if (not isinstance(payload, dict) or payload.get("a") != str(annotator_id)
            or payload.get("r") != arena_slug or not isinstance(payload.get("n"), str)
            or not _NAME.match(payload["n"]) or not default_storage.exists(payload["n"])):
        raise ArenaError("The reference image is missing or invalid; upload it again.",
                         code="image_token_invalid")
    return str(payload["n"])


def reference_image_read(name: str) -> bytes:
    """The stored, already normalized bytes (for the side runner in a worker)."""
    if not _NAME.match(name):
        raise ProviderError("The reference image could not be read.")
    try:
        with default_storage.open(name, "rb") as handle:
            return bytes(handle.read())
    except OSError:
        raise ProviderError("The reference image could not be read.") from None
