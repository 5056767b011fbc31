"""The contract for text-to-3D and image-to-3D providers, beside the media ones in `media_base.py`.

A 3D provider yields `Progress` events and then exactly one `MediaResult` holding a 3D file
(GLB by preference; glTF, OBJ, PLY or STL are accepted too). Like every media result the bytes are
untrusted: `battles.normalize_mesh.mesh_normalize` decodes and re-encodes them into the arena's one
GLB profile before anything is stored, so a corrupt or fingerprinted file never reaches a browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from .media_base import MediaEvent

GLB_CONTENT_TYPE = "model/gltf-binary"


class ThreeDProvider(Protocol):
    """Makes one asset from a prompt, and from a reference image for image-to-3D.

    `image` is the annotator's uploaded image (already size-checked by the caller) or None for
    text-to-3D; a provider that cannot use images must still answer from the prompt alone.
    Raises `ProviderError` (never naming the contender) when its side fails.
    """

    def generate_3d(self, prompt: str, *, image: bytes | None) -> AsyncIterator[MediaEvent]: ...
