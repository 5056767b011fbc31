"""Offline demo 3D contenders (trimesh), at visibly different quality levels.

The prompt picks a shape (chair, table, tree, house, cup, car, rocket, snowman, lamp, …; anything
else gets an abstract sculpture seeded by the prompt) and colour words recolour it; for
image-to-3D the reference image's dominant colours colour it instead.

`params`: "style" —
  "fine"    smooth, high-poly, shaded vertex colours (light at the top, darker below);
  "coarse"  low-poly (six-sided "cylinders"), flat colours;
  "blocky"  the fine model voxelised into cubes;
  "noisy"   the coarse model with jittered vertices and muddied colours;
"step_delay" (seconds between progress steps, default 0.05); "corrupt" (true: bytes that are not
a 3D file, to exercise the failure path). The same prompt gives the same asset.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator

import numpy as np
import trimesh
from PIL import Image

from .base import ProviderError, ProviderSettings
from .media_base import MediaEvent, MediaResult, Progress
from .threed_base import GLB_CONTENT_TYPE
from .threed_shapes import Colour, Part, palette_for, shape_for

THREED_STYLES = ("fine", "coarse", "blocky", "noisy")
DETAIL = {"fine": 32, "coarse": 6, "blocky": 16, "noisy": 8}
STEPS = 4
VOXELS_ACROSS = 11
UNREADABLE_IMAGE = "The reference image could not be read."


def image_palette(image: bytes, count: int = 3) -> list[Colour]:
    """The image's most common colours, most common first (Pillow's median-cut quantizer)."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            opened.draft("RGB", (128, 128))  # JPEGs decode small: the colours are all we need
            small = opened.convert("RGB").resize((64, 64))
    except Exception:  # Pillow raises many types for bad input
        raise ProviderError(UNREADABLE_IMAGE) from None
    quantized = small.quantize(colors=count)
    palette = quantized.getpalette() or []
    ranked = sorted(quantized.getcolors() or [], reverse=True)
    colours: list[Colour] = []
    for _n, index in ranked[:count]:
        assert isinstance(index, int)  # a "P" image's colours are palette indices
        colours.append((palette[3 * index], palette[3 * index + 1], palette[3 * index + 2]))
    while len(colours) < count:
        colours.append(colours[-1] if colours else (128, 128, 128))
    return colours


def build_scene(prompt: str, style: str, palette: list[Colour] | None = None) -> trimesh.Scene:
    """The asset as a trimesh scene, one node per part (as a real exporter would write it)."""
    shape, parts = shape_for(prompt, DETAIL[style])
    colours = palette or palette_for(prompt, shape)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:8],
                                                "little"))
    if style == "blocky":
        parts = _voxelised(parts)
    scene = trimesh.Scene()
    for index, part in enumerate(parts):
        mesh = part.mesh.copy()
        colour = np.array(colours[part.role % len(colours)], dtype=np.float64)
        if style == "fine":
            mesh = mesh.subdivide() if len(mesh.faces) < 2000 else mesh
            mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=_shaded(mesh, colour))
        elif style == "noisy":
            mesh = mesh.subdivide()
            jitter = rng.normal(0, 0.03, mesh.vertices.shape)
            mesh.vertices = mesh.vertices + jitter
            muddy = colour * 0.6 + 50 + rng.normal(0, 25, (len(mesh.faces), 3))
            mesh.visual = trimesh.visual.ColorVisuals(mesh, face_colors=_rgba(muddy))
        else:
            mesh.visual = trimesh.visual.ColorVisuals(
                mesh, face_colors=_rgba(np.tile(colour, (len(mesh.faces), 1))))
        scene.add_geometry(mesh, node_name=f"part{index}", geom_name=f"part{index}")
    return scene


def _voxelised(parts: list[Part]) -> list[Part]:
    extent = max(float(np.ptp(np.vstack([p.mesh.bounds for p in parts]), axis=0).max()), 1e-3)
    pitch = extent / VOXELS_ACROSS
    return [Part(part.mesh.voxelized(pitch).as_boxes(), part.role) for part in parts]


def _shaded(mesh: trimesh.Trimesh, colour: np.ndarray) -> np.ndarray:
    """Lighter towards the top and on upward faces: reads as smooth even with flat lighting."""
    y = mesh.vertices[:, 1]
    height = (y - y.min()) / max(float(np.ptp(y)), 1e-6)
    up = np.asarray(mesh.vertex_normals)[:, 1]
    shade = 0.75 + 0.15 * height + 0.1 * up
    return _rgba(colour[None, :] * shade[:, None])


def _rgba(rgb: np.ndarray) -> np.ndarray:
    clipped = np.clip(rgb, 0, 255).astype(np.uint8)
    return np.hstack([clipped, np.full((len(clipped), 1), 255, dtype=np.uint8)])


def demo_glb(prompt: str, style: str, image: bytes | None = None) -> bytes:
    palette = image_palette(image) if image is not None else None
    exported = build_scene(prompt, style, palette).export(file_type="glb")
    assert isinstance(exported, bytes)
    return exported


class DemoThreeDProvider:
    def __init__(self, settings: ProviderSettings):
        self.style = str(settings.params.get("style") or "fine")
        if self.style not in THREED_STYLES:
            raise ValueError(f"Unknown demo 3D style {self.style!r}; use one of {THREED_STYLES}.")
        self.step_delay = float(settings.params.get("step_delay", 0.05))
        self.corrupt = bool(settings.params.get("corrupt", False))

    async def generate_3d(self, prompt: str, *, image: bytes | None) -> AsyncIterator[MediaEvent]:
        for step in range(STEPS):
            yield Progress(step / STEPS, "shaping" if step < 2 else "texturing")
            await asyncio.sleep(self.step_delay)
        if self.corrupt:
            yield MediaResult(b"glTF\x02\x00\x00\x00" + b"\x00broken mesh" * 8, GLB_CONTENT_TYPE)
            return
        data = await asyncio.to_thread(demo_glb, prompt, self.style, image)
        yield MediaResult(data, GLB_CONTENT_TYPE)
