"""Untrusted 3D bytes (GLB, glTF, PLY, STL, OBJ) to one trimesh, refusing bombs on the way.

Why apart from canonicalizing and writing (see normalize_mesh): everything here distrusts its
input. A file's type is sniffed, never taken from a name or header the model chose; what the
file declares (vertex, face and texture-pixel counts, required extensions, external references)
is checked before trimesh or Pillow allocates anything for it; and every loader failure becomes
the same annotator-safe `ProviderError`. `glb_json` lives here too, since reading a GLB's JSON
chunk is the same parse.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import warnings
from typing import Any

import trimesh
from PIL import Image

from battles.media_formats import MeshFormat
from battles.providers.base import ProviderError

CORRUPT_MESH = "The model returned a corrupt or unreadable 3D file."
EMPTY_MESH = "The model returned an empty 3D model."
TOO_LARGE = "The model's 3D file was larger than this arena accepts."
TOO_DETAILED = "The model's 3D model had more {what} than this arena accepts ({count} > {limit})."
TEXTURE_TOO_LARGE = "The model's 3D texture was larger than this arena accepts."
UNSUPPORTED_EXTENSION = "The model's 3D file needs a glTF extension this arena cannot read."
EXTERNAL_RESOURCE = "The model's 3D file refers to external files; send one self-contained file."

GLB_MAGIC = b"glTF"
JSON_CHUNK = 0x4E4F534A
BIN_CHUNK = 0x004E4942
# Extensions that only change how a material looks; trimesh reads or ignores them safely.
_READABLE_EXTENSIONS = frozenset({
    "KHR_materials_unlit", "KHR_texture_transform", "KHR_materials_pbrSpecularGlossiness",
    "KHR_materials_emissive_strength",
})


def mesh_decode(data: bytes, *, target: MeshFormat) -> trimesh.Trimesh:
    """Every triangle of the asset as one mesh within `target`'s limits, or ProviderError."""
    if len(data) > target.max_bytes:
        raise ProviderError(TOO_LARGE)
    file_type = _sniff(data)
    _precheck(data, file_type, target)
    mesh = _load(data, file_type)
    _check_counts(len(mesh.vertices), len(mesh.faces), target)
    return mesh


def glb_json(data: bytes) -> dict[str, Any]:
    """The JSON chunk of a GLB; for tests and for checks that a stored asset is in profile."""
    document, _binary = _gltf_document(data, "glb")
    return document


def _sniff(data: bytes) -> str:
    head = data[:512].lstrip()
    if data[:4] == GLB_MAGIC:
        return "glb"
    if head.startswith(b"{"):
        return "gltf"
    if data[:3] == b"ply":
        return "ply"
    if _binary_stl(data) or head.startswith(b"solid"):
        return "stl"
    if re.search(rb"(^|\n)\s*v\s", data[:65536]):
        return "obj"
    raise ProviderError(CORRUPT_MESH)


def _binary_stl(data: bytes) -> bool:
    """Told by its length (80-byte header, count, 50 bytes a face): many binary STL headers
    start with "solid" too, so the first word cannot decide."""
    return len(data) >= 84 and 84 + 50 * struct.unpack_from("<I", data, 80)[0] == len(data)


def _precheck(data: bytes, file_type: str, target: MeshFormat) -> None:
    """Refuse bombs from what the file declares, before trimesh allocates for it."""
    if file_type in ("glb", "gltf"):
        _gltf_precheck(data, file_type, target)
    elif file_type == "ply":
        header = data[:4096].split(b"end_header")[0]
        counts = {m[0]: int(m[1]) for m in re.findall(rb"element\s+(\w+)\s+(\d+)", header)}
        _check_counts(counts.get(b"vertex", 0), counts.get(b"face", 0), target)
    elif file_type == "stl" and _binary_stl(data):
        faces = struct.unpack_from("<I", data, 80)[0]
        _check_counts(faces * 3, faces, target)
    else:  # text formats: every vertex and face costs at least a line
        _check_counts(data.count(b"\nv "), data.count(b"\nf ") + data.count(b"facet"), target)


def _gltf_document(data: bytes, file_type: str) -> tuple[dict[str, Any], bytes]:
    try:
        if file_type == "gltf":
            document = json.loads(data)
            binary = b""
        else:
            _magic, _version, length = struct.unpack_from("<4sII", data, 0)
            json_length, chunk_type = struct.unpack_from("<II", data, 12)
            if chunk_type != JSON_CHUNK or length > len(data) or 20 + json_length > len(data):
                raise ValueError("bad GLB header")
            document = json.loads(data[20:20 + json_length])
            rest = 20 + json_length
            binary = b""
            if rest + 8 <= len(data):
                bin_length, bin_type = struct.unpack_from("<II", data, rest)
                if bin_type == BIN_CHUNK:
                    binary = data[rest + 8:rest + 8 + bin_length]
    except (ValueError, struct.error, UnicodeDecodeError):
        raise ProviderError(CORRUPT_MESH) from None
    if not isinstance(document, dict):
        raise ProviderError(CORRUPT_MESH)
    return document, binary


def _gltf_precheck(data: bytes, file_type: str, target: MeshFormat) -> None:
    document, binary = _gltf_document(data, file_type)
    try:
        required = set(document.get("extensionsRequired") or [])
        if required - _READABLE_EXTENSIONS:
            raise ProviderError(UNSUPPORTED_EXTENSION)
        for item in [*(document.get("buffers") or []), *(document.get("images") or [])]:
            uri = item.get("uri")
            if uri is not None and not str(uri).startswith("data:"):
                raise ProviderError(EXTERNAL_RESOURCE)
        accessors = document.get("accessors") or []
        meshes = document.get("meshes") or []
        vertices = faces = 0
        for node in document.get("nodes") or []:
            if "mesh" not in node:
                continue
            for primitive in meshes[int(node["mesh"])].get("primitives") or []:
                count = int(accessors[int(primitive["attributes"]["POSITION"])]["count"])
                vertices += count
                if "indices" in primitive:
                    faces += int(accessors[int(primitive["indices"])]["count"]) // 3
                else:
                    faces += count // 3
        _check_counts(vertices, faces, target)
        views = document.get("bufferViews") or []
        for image in document.get("images") or []:
            if "bufferView" in image:
                view = views[int(image["bufferView"])]
                start = int(view.get("byteOffset", 0))
                raw = binary[start:start + int(view["byteLength"])]
            else:
                raw = base64.b64decode(str(image["uri"]).split(",", 1)[1])
            _texture_precheck(raw, target)
    except ProviderError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise ProviderError(CORRUPT_MESH) from None


def _texture_precheck(raw: bytes, target: MeshFormat) -> None:
    """Reads only the image header: the pixel count is known before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                width, height = probe.size
    except Image.DecompressionBombError:
        raise ProviderError(TEXTURE_TOO_LARGE) from None
    except Exception:  # Pillow raises many types for bad input: all mean "corrupt"
        raise ProviderError(CORRUPT_MESH) from None
    if width * height > target.max_texture_pixels:
        raise ProviderError(TEXTURE_TOO_LARGE)


def _check_counts(vertices: int, faces: int, target: MeshFormat) -> None:
    if vertices > target.max_vertices:
        raise ProviderError(TOO_DETAILED.format(what="vertices", count=vertices,
                                                limit=target.max_vertices))
    if faces > target.max_faces:
        raise ProviderError(TOO_DETAILED.format(what="faces", count=faces,
                                                limit=target.max_faces))


def _load(data: bytes, file_type: str) -> trimesh.Trimesh:
    """Every triangle mesh in the scene, transforms applied, as one mesh."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scene = trimesh.load_scene(io.BytesIO(data), file_type=file_type, process=False)
            parts: list[trimesh.Trimesh] = []
            for node in scene.graph.nodes_geometry:
                transform, name = scene.graph[node]
                geometry = scene.geometry.get(name)
                if isinstance(geometry, trimesh.Trimesh) and len(geometry.faces):
                    part = geometry.copy()
                    part.apply_transform(transform)
                    parts.append(part)
            if not parts:
                raise ProviderError(EMPTY_MESH)
            if len(parts) == 1:
                return parts[0]
            merged = trimesh.util.concatenate(parts)
    except ProviderError:
        raise
    except Exception:  # the loaders raise many types for bad input: all mean "corrupt"
        raise ProviderError(CORRUPT_MESH) from None
    assert isinstance(merged, trimesh.Trimesh)
    return merged
