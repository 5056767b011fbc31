"""Re-encode any 3D asset a provider returns into one binary glTF profile.

Why: exporters leave fingerprints everywhere (generator strings, node and material names,
`extras`, extension lists, buffer layouts, scales and offsets), any of which can name the model
before the vote. Decoding with trimesh and writing the GLB ourselves means the only thing that
survives is geometry and colour, in a layout that is the same for every contender:

- one scene, one node, one mesh, one primitive (triangles), one material, one texture, one image;
- attributes POSITION / NORMAL / TEXCOORD_0 (float32) and COLOR_0 (normalized uint8 RGBA),
  uint32 indices, each in its own 4-byte-aligned buffer view, in that order;
- a square PNG texture of `MeshFormat.texture_size`, plain white when the source had none (its
  colour is then in COLOR_0), so the JSON chunk never says whether the source was textured;
- geometry centred on the origin, its largest extent scaled to 1 (the centred unit box);
- no names, `extras`, `extensions`, `generator` or `copyright`.

Corrupt input, empty meshes and bombs (too many vertices, faces or texture pixels, declared
before anything large is decoded where the format allows) fail with a `ProviderError` whose
message is safe to show the annotator. Pure: no Django, no files, no network.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import trimesh
from PIL import Image

from battles.providers.base import ProviderError

CORRUPT_MESH = "The model returned a corrupt or unreadable 3D file."
EMPTY_MESH = "The model returned an empty 3D model."
TOO_LARGE = "The model's 3D file was larger than this arena accepts."
TOO_DETAILED = "The model's 3D model had more {what} than this arena accepts ({count} > {limit})."
TOO_DENSE = ("The model's 3D model was more detailed than this arena stores "
             "({size:.1f} MB > {limit:.1f} MB).")
TEXTURE_TOO_LARGE = "The model's 3D texture was larger than this arena accepts."
UNSUPPORTED_EXTENSION = "The model's 3D file needs a glTF extension this arena cannot read."
EXTERNAL_RESOURCE = "The model's 3D file refers to external files; send one self-contained file."

GLB_MAGIC = b"glTF"
_JSON_CHUNK = 0x4E4F534A
_BIN_CHUNK = 0x004E4942
# Extensions that only change how a material looks; trimesh reads or ignores them safely.
_READABLE_EXTENSIONS = frozenset({
    "KHR_materials_unlit", "KHR_texture_transform", "KHR_materials_pbrSpecularGlossiness",
    "KHR_materials_emissive_strength",
})
_WHITE = (255, 255, 255, 255)
CREASE_DEGREES = 40.0


@dataclass(frozen=True)
class MeshFormat:
    """The one profile an arena stores; the limits are the bomb guards.

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


@dataclass(frozen=True)
class _Clean:
    positions: np.ndarray  # (n, 3) float32
    normals: np.ndarray  # (n, 3) float32
    texcoords: np.ndarray  # (n, 2) float32, glTF convention (v down)
    colours: np.ndarray  # (n, 4) uint8
    indices: np.ndarray  # (m * 3,) uint32
    texture: Image.Image  # RGB, texture_size square


def mesh_normalize(data: bytes, *, target: MeshFormat) -> bytes:
    """The asset as a GLB in the arena's profile, or ProviderError."""
    if len(data) > target.max_bytes:
        raise ProviderError(TOO_LARGE)
    file_type = _sniff(data)
    _precheck(data, file_type, target)
    mesh = _load(data, file_type)
    _check_counts(len(mesh.vertices), len(mesh.faces), target)
    return _glb_write(_clean(mesh, target), target)


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
            if chunk_type != _JSON_CHUNK or length > len(data) or 20 + json_length > len(data):
                raise ValueError("bad GLB header")
            document = json.loads(data[20:20 + json_length])
            rest = 20 + json_length
            binary = b""
            if rest + 8 <= len(data):
                bin_length, bin_type = struct.unpack_from("<II", data, rest)
                if bin_type == _BIN_CHUNK:
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


def _clean(mesh: trimesh.Trimesh, target: MeshFormat) -> _Clean:
    positions = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if not len(faces) or not len(positions):
        raise ProviderError(EMPTY_MESH)
    if not np.isfinite(positions).all() or faces.min() < 0 or faces.max() >= len(positions):
        raise ProviderError(CORRUPT_MESH)
    mesh.remove_unreferenced_vertices()  # strays would widen the box and carry stray data
    positions = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    low, high = positions.min(axis=0), positions.max(axis=0)
    extent = float((high - low).max())
    if not np.isfinite(extent):
        raise ProviderError(CORRUPT_MESH)
    if extent <= 0:
        raise ProviderError(EMPTY_MESH)
    positions = (positions - (low + high) / 2) / extent
    mesh, positions, faces = _creased(mesh, positions, faces, target)
    normals = np.array(trimesh.Trimesh(positions, faces, process=False).vertex_normals,
                       dtype=np.float64)
    lengths = np.linalg.norm(normals, axis=1)
    bad = ~np.isfinite(lengths) | (lengths < 1e-6)
    normals[bad] = (0.0, 0.0, 1.0)
    normals[~bad] /= lengths[~bad, None]
    texcoords, colours, texture = _appearance(mesh, target)
    return _Clean(positions.astype(np.float32), normals.astype(np.float32), texcoords,
                  colours, faces.astype(np.uint32).ravel(), texture)


def _creased(mesh: trimesh.Trimesh, positions: np.ndarray, faces: np.ndarray, target: MeshFormat
             ) -> tuple[trimesh.Trimesh, np.ndarray, np.ndarray]:
    """Vertices split where faces meet at a sharp angle, so our own normals (never the exporter's)
    shade boxes flat and spheres smooth; colours and UVs are split along with them."""
    try:
        scaled = trimesh.Trimesh(positions, faces, visual=mesh.visual.copy() if mesh.visual else None,
                                  process=False)
        split = trimesh.graph.smooth_shade(scaled, angle=np.radians(CREASE_DEGREES))
    except Exception:  # an odd visual or degenerate mesh: keep it as it came, normals averaged
        return mesh, positions, faces
    if (not isinstance(split, trimesh.Trimesh) or not len(split.faces)
            or len(split.vertices) > target.max_vertices):
        return mesh, positions, faces
    return split, np.asarray(split.vertices, dtype=np.float64), np.asarray(split.faces)


def _appearance(mesh: trimesh.Trimesh, target: MeshFormat
                ) -> tuple[np.ndarray, np.ndarray, Image.Image]:
    """(texcoords, vertex colours, texture): a real texture, or white with colours per vertex."""
    count = len(mesh.vertices)
    size = (target.texture_size, target.texture_size)
    visual = mesh.visual
    image = _texture_image(visual)
    uv = getattr(visual, "uv", None)
    if image is not None and uv is not None and len(uv) == count:
        texcoords = np.nan_to_num(np.asarray(uv, dtype=np.float64)).copy()
        texcoords[:, 1] = 1.0 - texcoords[:, 1]  # trimesh keeps v up; glTF has it down
        factor = _base_colour_factor(visual)
        colours = np.tile(np.array(factor, dtype=np.uint8), (count, 1))
        pixels = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        texture = Image.frombytes("RGB", size, pixels.tobytes())
        return texcoords.astype(np.float32), colours, texture
    try:
        if isinstance(visual, trimesh.visual.TextureVisuals):
            visual = visual.to_color()
        colours = np.asarray(visual.vertex_colors, dtype=np.uint8)  # type: ignore[union-attr]
        if colours.shape != (count, 4):
            raise ValueError("colour per vertex expected")
    except Exception:  # a visual trimesh cannot turn into colours: fall back to plain grey
        colours = np.tile(np.array((180, 180, 180, 255), dtype=np.uint8), (count, 1))
    return (np.zeros((count, 2), dtype=np.float32), colours,
            Image.new("RGB", size, _WHITE[:3]))


def _texture_image(visual: Any) -> Image.Image | None:
    material = getattr(visual, "material", None)
    for attribute in ("baseColorTexture", "image"):
        image = getattr(material, attribute, None)
        if isinstance(image, Image.Image):
            return image
    return None


def _base_colour_factor(visual: Any) -> tuple[int, int, int, int]:
    factor = getattr(getattr(visual, "material", None), "baseColorFactor", None)
    if factor is None:
        return _WHITE
    values = np.asarray(factor, dtype=np.float64).ravel()
    if values.size != 4 or not np.isfinite(values).all():
        return _WHITE
    if values.max() <= 1.0:
        values = values * 255
    r, g, b, a = (int(v) for v in np.clip(values, 0, 255))
    return (r, g, b, a)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _glb_write(clean: _Clean, target: MeshFormat) -> bytes:
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
        struct.pack("<II", len(header), _JSON_CHUNK), header,
        struct.pack("<II", len(body), _BIN_CHUNK), bytes(body),
    ])


def glb_json(data: bytes) -> dict[str, Any]:
    """The JSON chunk of a GLB; for tests and for checks that a stored asset is in profile."""
    document, _binary = _gltf_document(data, "glb")
    return document
