"""A canonical mesh written as the arena's one GLB profile, byte layout fixed here.

Why apart from decoding and canonicalizing: the layout is the last place a model could show
through. Every key, index and buffer view is written in one fixed order, and the file is padded
to exactly `MeshFormat.file_bytes`, so two contenders' GLBs differ only in their numbers, never
in their structure or size. See normalize_mesh for the profile as a whole.
"""

from __future__ import annotations

import io
import json
import struct

from PIL import Image

from battles.media_formats import MeshFormat
from battles.mesh_canonical import CanonicalMesh
from battles.mesh_decode import BIN_CHUNK, CORRUPT_MESH, GLB_MAGIC, JSON_CHUNK
from battles.providers.base import ProviderError

TOO_DENSE = ("The model's 3D model was more detailed than this arena stores "
             "({size:.1f} MB > {limit:.1f} MB).")


def glb_write(clean: CanonicalMesh, target: MeshFormat) -> bytes:
    """The GLB, with keys and order fixed here so every contender's header looks alike, and
    exactly `target.file_bytes` long (see `MeshFormat`)."""
    blobs = [clean.positions.tobytes(), clean.normals.tobytes(), clean.texcoords.tobytes(),
             clean.colours.tobytes(), clean.indices.tobytes(), _png(clean.texture)]
    views: list[dict[str, int]] = []
    body = bytearray()
    for index, blob in enumerate(blobs):
        view = {"buffer": 0, "byteOffset": len(body), "byteLength": len(blob)}
        if index < 4:
            view["target"] = 34962  # ARRAY_BUFFER
        elif index == 4:
            view["target"] = 34963  # ELEMENT_ARRAY_BUFFER
        views.append(view)
        body += blob + b"\x00" * (-len(blob) % 4)
    count = len(clean.positions)
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{
            "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2, "COLOR_0": 3},
            "indices": 4, "material": 0, "mode": 4,
        }]}],
        "materials": [{
            "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}, "metallicFactor": 0.0,
                                     "roughnessFactor": 0.8},
            "doubleSided": True,
        }],
        "textures": [{"sampler": 0, "source": 0}],
        "samplers": [{"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 10497}],
        "images": [{"bufferView": 5, "mimeType": "image/png"}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": count, "type": "VEC3",
             "min": [float(v) for v in clean.positions.min(axis=0)],
             "max": [float(v) for v in clean.positions.max(axis=0)]},
            {"bufferView": 1, "componentType": 5126, "count": count, "type": "VEC3"},
            {"bufferView": 2, "componentType": 5126, "count": count, "type": "VEC2"},
            {"bufferView": 3, "componentType": 5121, "normalized": True, "count": count,
             "type": "VEC4"},
            {"bufferView": 4, "componentType": 5125, "count": len(clean.indices),
             "type": "SCALAR"},
        ],
        "bufferViews": views,
    }
    json_bytes = target.json_bytes - target.json_bytes % 4
    body_bytes = (target.file_bytes - 12 - 8 - json_bytes - 8) // 4 * 4
    if len(body) > body_bytes:
        raise ProviderError(TOO_DENSE.format(size=len(body) / 1e6, limit=body_bytes / 1e6))
    body += b"\x00" * (body_bytes - len(body))
    document["buffers"] = [{"byteLength": body_bytes}]
    header = json.dumps(document, separators=(",", ":")).encode()
    if len(header) > json_bytes:
        raise ProviderError(CORRUPT_MESH)
    header += b" " * (json_bytes - len(header))
    total = 12 + 8 + len(header) + 8 + len(body)
    return b"".join([
        struct.pack("<4sII", GLB_MAGIC, 2, total),
        struct.pack("<II", len(header), JSON_CHUNK), header,
        struct.pack("<II", len(body), BIN_CHUNK), bytes(body),
    ])


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
