"""A decoded mesh reduced to what survives normalization: geometry, normals and colour.

Why apart from decoding and writing: this is the only step that changes the asset itself. It
centres the geometry on the origin with its largest extent scaled to 1, computes our own
normals (split at creases, never the exporter's), and turns whatever material the source had
into one square texture plus per-vertex colours, so the written GLB cannot tell a textured
source from a coloured one. See normalize_mesh for the profile as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import trimesh
from PIL import Image

from battles.media_formats import MeshFormat
from battles.mesh_decode import CORRUPT_MESH, EMPTY_MESH
from battles.providers.base import ProviderError

_WHITE = (255, 255, 255, 255)
CREASE_DEGREES = 40.0


@dataclass(frozen=True)
class CanonicalMesh:
    positions: np.ndarray  # (n, 3) float32
    normals: np.ndarray  # (n, 3) float32
    texcoords: np.ndarray  # (n, 2) float32, glTF convention (v down)
    colours: np.ndarray  # (n, 4) uint8
    indices: np.ndarray  # (m * 3,) uint32
    texture: Image.Image  # RGB, texture_size square


def mesh_canonicalize(mesh: trimesh.Trimesh, target: MeshFormat) -> CanonicalMesh:
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
    return CanonicalMesh(positions.astype(np.float32), normals.astype(np.float32), texcoords,
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
