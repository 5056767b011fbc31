"""Prompt → a small scene of coloured primitives, for the offline demo 3D contenders.

Kept apart from the provider so the shapes can grow without touching the streaming code. A shape
is a list of `Part`s (a mesh and the palette role that colours it); y is up, as in glTF. Every
builder takes `detail` (the number of segments around a round part), so one recipe gives both the
smooth and the low-poly contender.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import trimesh

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Part:
    mesh: trimesh.Trimesh
    role: int  # index into the palette: 0 main, 1 second, 2 accent


COLOUR_WORDS: dict[str, Colour] = {
    "red": (200, 40, 40), "orange": (235, 130, 30), "yellow": (240, 210, 60),
    "green": (60, 160, 70), "blue": (50, 100, 210), "purple": (130, 60, 170),
    "pink": (235, 120, 170), "white": (240, 240, 240), "black": (30, 30, 35),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "brown": (120, 75, 40),
    "wooden": (150, 100, 55), "wood": (150, 100, 55), "gold": (215, 175, 55),
    "golden": (215, 175, 55), "silver": (190, 195, 200), "metal": (160, 165, 175),
}


def _rotate_to_y(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, (1, 0, 0)))
    return mesh


def box(size: tuple[float, float, float], at: tuple[float, float, float]) -> trimesh.Trimesh:
    mesh = trimesh.creation.box(extents=size)
    mesh.apply_translation(at)
    return mesh


def cylinder(radius: float, height: float, at: tuple[float, float, float], detail: int,
             axis: str = "y") -> trimesh.Trimesh:
    mesh = trimesh.creation.cylinder(radius=radius, height=height, sections=detail)
    if axis == "y":
        _rotate_to_y(mesh)
    elif axis == "x":
        mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (0, 1, 0)))
    mesh.apply_translation(at)
    return mesh


def cone(radius: float, height: float, at: tuple[float, float, float], detail: int) -> trimesh.Trimesh:
    """Base at `at`, tip `height` above it."""
    mesh = _rotate_to_y(trimesh.creation.cone(radius=radius, height=height, sections=detail))
    mesh.apply_translation(at)
    return mesh


def sphere(radius: float, at: tuple[float, float, float], detail: int) -> trimesh.Trimesh:
    mesh = trimesh.creation.uv_sphere(radius=radius, count=[max(4, detail // 2), detail])
    mesh.apply_translation(at)
    return mesh


def torus(major: float, minor: float, at: tuple[float, float, float], detail: int,
          axis: str = "y") -> trimesh.Trimesh:
    mesh = trimesh.creation.torus(major_radius=major, minor_radius=minor,
                                  major_sections=detail, minor_sections=max(4, detail // 2))
    if axis == "y":
        _rotate_to_y(mesh)
    mesh.apply_translation(at)
    return mesh


def _legs(width: float, depth: float, height: float, detail: int) -> list[Part]:
    return [Part(cylinder(0.05, height, (x, height / 2, z), detail), 1)
            for x in (-width / 2, width / 2) for z in (-depth / 2, depth / 2)]


def chair(detail: int) -> list[Part]:
    return [Part(box((1.0, 0.1, 1.0), (0, 0.8, 0)), 0),
            Part(box((1.0, 1.0, 0.1), (0, 1.35, -0.45)), 0),
            *_legs(0.85, 0.85, 0.8, detail)]


def table(detail: int) -> list[Part]:
    return [Part(cylinder(0.9, 0.08, (0, 1.0, 0), detail * 2), 0),
            *_legs(1.0, 1.0, 1.0, detail)]


def tree(detail: int) -> list[Part]:
    return [Part(cylinder(0.12, 0.8, (0, 0.4, 0), detail), 1),
            Part(cone(0.7, 0.9, (0, 0.7, 0), detail), 0),
            Part(cone(0.55, 0.8, (0, 1.15, 0), detail), 0),
            Part(cone(0.4, 0.7, (0, 1.55, 0), detail), 0)]


def house(detail: int) -> list[Part]:
    roof = cone(1.05, 0.7, (0, 1.0, 0), 4)
    roof.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 4, (0, 1, 0)))
    return [Part(box((1.4, 1.0, 1.4), (0, 0.5, 0)), 0), Part(roof, 1),
            Part(box((0.3, 0.55, 0.05), (0, 0.275, 0.71)), 2),
            Part(box((0.3, 0.3, 0.05), (0.42, 0.6, 0.71)), 2),
            Part(box((0.3, 0.3, 0.05), (-0.42, 0.6, 0.71)), 2)]


def cup(detail: int) -> list[Part]:
    wall = _rotate_to_y(trimesh.creation.annulus(r_min=0.36, r_max=0.42, height=0.9,
                                                 sections=detail * 2))
    wall.apply_translation((0, 0.45, 0))
    return [Part(wall, 0), Part(cylinder(0.42, 0.06, (0, 0.03, 0), detail * 2), 0),
            Part(torus(0.22, 0.05, (0.55, 0.45, 0), detail, axis="z"), 1)]


def car(detail: int) -> list[Part]:
    wheels = [Part(cylinder(0.22, 0.15, (x, 0.22, z), detail, axis="z"), 2)
              for x in (-0.65, 0.65) for z in (-0.5, 0.5)]
    return [Part(box((2.0, 0.4, 1.0), (0, 0.45, 0)), 0),
            Part(box((1.0, 0.4, 0.9), (-0.1, 0.85, 0)), 1), *wheels]


def rocket(detail: int) -> list[Part]:
    fins = []
    for angle in range(0, 360, 120):
        fin = box((0.04, 0.5, 0.4), (0, 0.25, 0.38))
        fin.apply_transform(trimesh.transformations.rotation_matrix(np.radians(angle), (0, 1, 0)))
        fins.append(Part(fin, 1))
    return [Part(cylinder(0.3, 1.8, (0, 1.0, 0), detail * 2), 0),
            Part(cone(0.3, 0.6, (0, 1.9, 0), detail * 2), 1),
            Part(sphere(0.12, (0, 1.3, 0.27), detail), 2), *fins]


def snowman(detail: int) -> list[Part]:
    return [Part(sphere(0.55, (0, 0.55, 0), detail * 2), 0),
            Part(sphere(0.4, (0, 1.35, 0), detail * 2), 0),
            Part(sphere(0.28, (0, 1.95, 0), detail * 2), 0),
            Part(_nose(detail), 2),
            Part(sphere(0.04, (-0.1, 2.05, 0.24), detail), 1),
            Part(sphere(0.04, (0.1, 2.05, 0.24), detail), 1)]


def _nose(detail: int) -> trimesh.Trimesh:
    nose = trimesh.creation.cone(radius=0.05, height=0.3, sections=detail)
    nose.apply_translation((0, 1.95, 0.25))
    return nose


def lamp(detail: int) -> list[Part]:
    return [Part(cylinder(0.35, 0.08, (0, 0.04, 0), detail * 2), 1),
            Part(cylinder(0.04, 1.4, (0, 0.75, 0), detail), 1),
            Part(cone(0.45, 0.5, (0, 1.3, 0), detail * 2), 0)]


def abstract(prompt: str, detail: int) -> list[Part]:
    """An unknown prompt still gets its own shape: the same prompt, the same sculpture."""
    seed = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    parts = [Part(box((1.0, 0.15, 1.0), (0, 0.075, 0)), 1)]
    height = 0.15
    for index in range(int(rng.integers(3, 6))):
        size = float(rng.uniform(0.25, 0.5))
        x, z = (float(v) for v in rng.uniform(-0.25, 0.25, 2))
        kind = int(rng.integers(4))
        centre = (x, height + size, z)
        if kind == 0:
            mesh = sphere(size, centre, detail * 2)
        elif kind == 1:
            mesh = box((size * 1.6,) * 3, centre)
            mesh.apply_transform(trimesh.transformations.rotation_matrix(
                float(rng.uniform(0, np.pi)), (0, 1, 0), point=centre))
        elif kind == 2:
            mesh = torus(size, size * 0.3, centre, detail * 2, axis="z")
        else:
            mesh = cone(size, size * 2, (x, height, z), detail * 2)
        parts.append(Part(mesh, index % 3))
        height += size * 1.6
    return parts


SHAPES: dict[str, Callable[[int], list[Part]]] = {
    "chair": chair, "stool": chair, "table": table, "desk": table, "tree": tree, "pine": tree,
    "house": house, "cottage": house, "home": house, "cup": cup, "mug": cup, "car": car,
    "truck": car, "rocket": rocket, "spaceship": rocket, "snowman": snowman, "lamp": lamp,
}
DEFAULT_PALETTES: dict[str, list[Colour]] = {
    "chair": [(150, 100, 55), (90, 60, 35), (40, 40, 40)],
    "table": [(150, 100, 55), (90, 60, 35), (40, 40, 40)],
    "tree": [(50, 140, 60), (100, 65, 35), (230, 200, 60)],
    "house": [(225, 205, 170), (170, 50, 40), (90, 60, 35)],
    "cup": [(235, 235, 230), (200, 60, 50), (40, 40, 40)],
    "car": [(200, 40, 40), (170, 210, 235), (30, 30, 35)],
    "rocket": [(225, 225, 230), (200, 50, 40), (70, 130, 210)],
    "snowman": [(245, 248, 252), (25, 25, 30), (240, 130, 30)],
    "lamp": [(240, 215, 150), (60, 60, 65), (255, 240, 200)],
}


def words(prompt: str) -> list[str]:
    return re.findall(r"[a-z]+", prompt.lower())


def shape_for(prompt: str, detail: int) -> tuple[str, list[Part]]:
    """(shape name, parts); the last known keyword wins ("a desk lamp" is a lamp), else an
    abstract shape."""
    for word in reversed(words(prompt)):
        for key in (word, word.rstrip("s")):
            if key in SHAPES:
                name = SHAPES[key].__name__
                return name, SHAPES[key](detail)
    return "abstract", abstract(prompt, detail)


def palette_for(prompt: str, shape: str) -> list[Colour]:
    """Colour words in the prompt take the first roles, in the order they appear."""
    seed = hashlib.sha256(prompt.encode()).digest()
    seeded: list[Colour] = [(seed[i], seed[i + 1], seed[i + 2]) for i in range(0, 9, 3)]
    found = [COLOUR_WORDS[w] for w in words(prompt) if w in COLOUR_WORDS]
    defaults = DEFAULT_PALETTES.get(shape, seeded)
    return (found + defaults)[:3] if found else defaults
