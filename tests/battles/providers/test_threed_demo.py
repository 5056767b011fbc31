"""The offline demo 3D contenders: real meshes from the prompt, at visibly different quality."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import trimesh
from PIL import Image

from battles.media_formats import MeshFormat
from battles.mesh_decode import glb_json
from battles.normalize_mesh import mesh_normalize
from battles.providers import ProviderError, ProviderSettings
from battles.providers.media_base import MediaResult, Progress
from battles.providers.threed_demo import THREED_STYLES, build_scene, image_palette
from battles.providers.threed_registry import threed_provider_for
from battles.providers.threed_shapes import COLOUR_WORDS, SHAPES, shape_for

PROMPTS = ["a wooden chair", "a red sports car", "a pine tree", "a snowman with a carrot nose",
           "a glowing jellyfish of glass"]


async def _generate(style: str, prompt: str, image: bytes | None = None,
                    **params: Any) -> list[Any]:
    settings = ProviderSettings(kind="demo_3d", params={"style": style, "step_delay": 0, **params})
    provider = threed_provider_for(settings)
    return [event async for event in provider.generate_3d(prompt, image=image)]


def _faces(glb: bytes) -> int:
    return int(glb_json(glb)["accessors"][4]["count"]) // 3


def _colours(scene: trimesh.Scene) -> np.ndarray:
    mesh = scene.to_geometry()
    assert isinstance(mesh, trimesh.Trimesh) and isinstance(mesh.visual, trimesh.visual.ColorVisuals)
    return np.asarray(mesh.visual.face_colors)[:, :3]


@pytest.mark.parametrize("style", THREED_STYLES)
@pytest.mark.parametrize("prompt", PROMPTS)
async def test_every_style_makes_a_valid_asset(style: str, prompt: str) -> None:
    events = await _generate(style, prompt)
    assert all(isinstance(e, Progress) for e in events[:-1])
    assert isinstance(events[-1], MediaResult)
    assert _faces(mesh_normalize(events[-1].data, target=MeshFormat())) > 20


async def test_the_quality_levels_differ() -> None:
    faces = {}
    for style in THREED_STYLES:
        data = (await _generate(style, "a wooden chair"))[-1].data
        faces[style] = _faces(mesh_normalize(data, target=MeshFormat()))
    assert faces["fine"] > faces["noisy"] > faces["coarse"]
    assert faces["blocky"] > faces["coarse"]


def test_the_noisy_style_is_jittered_and_the_fine_one_is_not() -> None:
    fine = build_scene("a table", "fine").to_geometry()
    noisy = build_scene("a table", "noisy").to_geometry()
    assert isinstance(fine, trimesh.Trimesh) and isinstance(noisy, trimesh.Trimesh)
    top_fine = fine.vertices[fine.vertices[:, 1] > 1.0][:, 1]
    top_noisy = noisy.vertices[noisy.vertices[:, 1] > 0.9][:, 1]
    assert np.ptp(top_fine) <= 0.081 < np.ptp(top_noisy)


def test_the_prompt_picks_the_shape_and_unknown_prompts_are_deterministic() -> None:
    assert shape_for("a desk lamp", 8)[0] == "lamp"
    assert shape_for("two chairs", 8)[0] == "chair"
    name, parts = shape_for("a glowing jellyfish", 8)
    assert name == "abstract"
    again = shape_for("a glowing jellyfish", 8)[1]
    assert [p.mesh.vertices.tolist() for p in parts] == [p.mesh.vertices.tolist() for p in again]
    other = shape_for("a sleepy volcano", 8)[1]
    assert [p.mesh.vertices.tolist() for p in parts] != [p.mesh.vertices.tolist() for p in other]
    assert set(SHAPES) >= {"chair", "table", "tree", "house", "cup", "car", "rocket", "snowman"}


def test_colour_words_recolour_the_model() -> None:
    colours = _colours(build_scene("a blue chair", "coarse"))
    assert tuple(COLOUR_WORDS["blue"]) in {tuple(c) for c in colours}


async def test_image_to_3d_takes_the_images_colours() -> None:
    picture = Image.new("RGB", (80, 80), (20, 180, 90))
    picture.paste((240, 200, 20), (0, 0, 80, 20))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    assert image_palette(buffer.getvalue())[0] == (20, 180, 90)
    data = (await _generate("coarse", "a car", image=buffer.getvalue()))[-1].data
    scene = trimesh.load_scene(io.BytesIO(data), file_type="glb")
    assert (20, 180, 90) in {tuple(c) for c in _colours(scene)}


async def test_an_unreadable_reference_image_fails_its_side() -> None:
    with pytest.raises(ProviderError, match="reference image could not be read"):
        await _generate("fine", "a car", image=b"not an image")


async def test_the_corrupt_demo_fails_at_normalization() -> None:
    data = (await _generate("fine", "a chair", corrupt=True))[-1].data
    with pytest.raises(ProviderError, match="corrupt"):
        mesh_normalize(data, target=MeshFormat())


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown demo 3D style"):
        threed_provider_for(ProviderSettings(kind="demo_3d", params={"style": "shiny"}))
