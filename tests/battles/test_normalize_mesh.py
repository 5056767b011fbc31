"""The GLB normalizer: assets from different "exporters" come out in one profile, bombs do not."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import trimesh
from PIL import Image

from battles.media_formats import MeshFormat
from battles.mesh_decode import glb_json
from battles.normalize_mesh import mesh_normalize
from battles.providers import ProviderError

PROFILE = MeshFormat(texture_size=64)
FINGERPRINTS = [b"SecretGen", b"ExporterX", b"chair_LOD0", b"Material.001", b"seed=1234",
                b"ACME_mesh_meta", b"copyright ACME"]


def _glb_rewrite(glb: bytes, mutate: Callable[[dict[str, Any]], None]) -> bytes:
    """Edit the JSON chunk of a GLB the way another exporter would have written it."""
    json_length = struct.unpack_from("<I", glb, 12)[0]
    document = json.loads(glb[20:20 + json_length])
    binary = glb[20 + json_length:]
    mutate(document)
    header = json.dumps(document).encode()
    header += b" " * (-len(header) % 4)
    return (struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(header) + len(binary))
            + struct.pack("<II", len(header), 0x4E4F534A) + header + binary)


def _fingerprint(document: dict[str, Any]) -> None:
    document["asset"].update(generator="SecretGen 2.1 (ExporterX)", copyright="copyright ACME",
                             extras={"seed": "seed=1234"})
    document["extensionsUsed"] = ["ACME_mesh_meta"]
    document["extensions"] = {"ACME_mesh_meta": {"model": "SecretGen"}}
    for node in document.get("nodes", []):
        node["name"] = "chair_LOD0"
        node["extras"] = {"by": "ExporterX"}
    for mesh in document.get("meshes", []):
        mesh["name"] = "chair_LOD0"
    for material in document.get("materials", []):
        material["name"] = "Material.001"


def _chair(scale: float, offset: tuple[float, float, float], textured: bool) -> trimesh.Scene:
    seat = trimesh.creation.box(extents=(1.0, 0.1, 1.0))
    back = trimesh.creation.box(extents=(1.0, 1.0, 0.1))
    back.apply_translation((0, 0.55, -0.45))
    legs = [trimesh.creation.cylinder(radius=0.05, height=0.8) for _ in range(4)]
    scene = trimesh.Scene()
    for index, part in enumerate([seat, back, *legs]):
        if index >= 2:
            part.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (1, 0, 0)))
            part.apply_translation((0.4 * (-1) ** index, -0.4, 0.4 * (-1) ** (index // 2)))
        if textured:
            image = Image.new("RGB", (32, 32), (120, 60 + index * 20, 30))
            uv = np.random.default_rng(index).random((len(part.vertices), 2))
            part.visual = trimesh.visual.TextureVisuals(uv=uv, image=image)
        else:
            part.visual.face_colors = (140, 90, 40, 255)
        part.apply_scale(scale)
        part.apply_translation(offset)
        scene.add_geometry(part, node_name=f"part{index}", geom_name=f"chair_LOD0_{index}")
    return scene


EXPORTERS = {
    "plain": lambda: _chair(1.0, (0, 0, 0), textured=False).export(file_type="glb"),
    "centimetres-offset": lambda: _glb_rewrite(
        _chair(100.0, (250, -30, 7), textured=False).export(file_type="glb"), _fingerprint),
    "textured-fingerprinted": lambda: _glb_rewrite(
        _chair(0.01, (-3, 3, 3), textured=True).export(file_type="glb"), _fingerprint),
    "textured": lambda: _chair(7.0, (1, 2, 3), textured=True).export(file_type="glb"),
}


def _structure(value: Any) -> Any:
    """The JSON with numbers blanked: what may differ between two assets is sizes, not shape."""
    if isinstance(value, dict):
        return {key: _structure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_structure(item) for item in value] if value and not isinstance(
            value[0], int | float) else len(value)
    return type(value).__name__ if isinstance(value, int | float) and not isinstance(
        value, bool) else value


def _bounds(glb: bytes) -> np.ndarray:
    mesh = trimesh.load_scene(io.BytesIO(glb), file_type="glb").to_geometry()
    return np.asarray(mesh.bounds)


def test_it_gives_every_exporter_the_same_structure() -> None:
    outputs = {name: mesh_normalize(make(), target=PROFILE) for name, make in EXPORTERS.items()}
    structures = {name: _structure(glb_json(glb)) for name, glb in outputs.items()}
    first = next(iter(structures.values()))
    assert all(structure == first for structure in structures.values()), structures
    document = glb_json(outputs["textured-fingerprinted"])
    assert document["asset"] == {"version": "2.0"}
    assert len(document["meshes"]) == len(document["materials"]) == len(document["images"]) == 1
    assert [a["componentType"] for a in document["accessors"]] == [5126, 5126, 5126, 5121, 5125]


@pytest.mark.parametrize("name", EXPORTERS)
def test_it_strips_names_generators_extras_and_extensions(name: str) -> None:
    source = EXPORTERS[name]()
    clean = mesh_normalize(source, target=PROFILE)
    if name.endswith("fingerprinted") or name == "centimetres-offset":
        assert b"SecretGen" in source
    for fingerprint in [*FINGERPRINTS, b"trimesh", b"part0", b"extras", b"extensions", b"name"]:
        assert fingerprint not in clean, fingerprint
    document = glb_json(clean)
    assert "generator" not in document["asset"] and "extensionsUsed" not in document


@pytest.mark.parametrize("name", EXPORTERS)
def test_it_centres_and_scales_to_the_unit_box(name: str) -> None:
    low, high = _bounds(mesh_normalize(EXPORTERS[name](), target=PROFILE))
    assert np.allclose((low + high) / 2, 0, atol=1e-5)
    assert (high - low).max() == pytest.approx(1.0, rel=1e-5)


def test_it_keeps_textures_at_the_fixed_size_and_colours_without_them() -> None:
    textured = mesh_normalize(EXPORTERS["textured"](), target=PROFILE)
    mesh = trimesh.load_scene(io.BytesIO(textured), file_type="glb").to_geometry()
    assert isinstance(mesh, trimesh.Trimesh)
    texture: Any = getattr(getattr(mesh.visual, "material", None), "baseColorTexture", None)
    assert isinstance(texture, Image.Image)
    assert texture.size == (64, 64)
    assert texture.convert("RGB").getpixel((32, 32)) != (255, 255, 255)
    plain = mesh_normalize(EXPORTERS["plain"](), target=PROFILE)
    assert set(_vertex_colours(plain)) == {(140, 90, 40, 255)}


def _vertex_colours(glb: bytes) -> list[tuple[int, ...]]:
    """COLOR_0 read straight from the binary chunk (trimesh would hand back the texture's)."""
    document = glb_json(glb)
    json_length = struct.unpack_from("<I", glb, 12)[0]
    view = document["bufferViews"][document["accessors"][3]["bufferView"]]
    start = 28 + json_length + view["byteOffset"]
    raw = np.frombuffer(glb[start:start + view["byteLength"]], dtype=np.uint8).reshape(-1, 4)
    return [tuple(int(v) for v in row) for row in raw]


@pytest.mark.parametrize("file_type", ["obj", "ply", "stl"])
def test_it_reads_other_mesh_formats(file_type: str) -> None:
    box = trimesh.creation.box(extents=(3, 1, 2))
    exported = box.export(file_type=file_type)
    data = exported.encode() if isinstance(exported, str) else exported
    low, high = _bounds(mesh_normalize(data, target=PROFILE))
    assert high - low == pytest.approx([1.0, 1 / 3, 2 / 3], rel=1e-5)


def test_a_binary_stl_whose_header_says_solid_is_still_counted_as_binary() -> None:
    stl = bytearray(trimesh.creation.icosphere(subdivisions=3).export(file_type="stl"))
    stl[:80] = b"solid exported by SecretGen".ljust(80, b" ")
    assert _faces(mesh_normalize(bytes(stl), target=PROFILE)) > 0
    with pytest.raises(ProviderError, match="more faces"):
        mesh_normalize(bytes(stl), target=MeshFormat(max_faces=100))


def test_it_reads_gltf_json_with_embedded_buffers() -> None:
    files = trimesh.Scene(trimesh.creation.box(extents=(2, 2, 4))).export(file_type="gltf")
    document = json.loads(files["model.gltf"])
    for buffer in document["buffers"]:
        payload = base64.b64encode(files[buffer["uri"]]).decode()
        buffer["uri"] = f"data:application/octet-stream;base64,{payload}"
    low, high = _bounds(mesh_normalize(json.dumps(document).encode(), target=PROFILE))
    assert high - low == pytest.approx([0.5, 0.5, 1.0], rel=1e-5)


def test_an_obj_cannot_make_it_read_local_files() -> None:
    obj = "mtllib /etc/passwd\nusemtl anything\n" + trimesh.creation.box().export(file_type="obj")
    assert _faces(mesh_normalize(obj.encode(), target=PROFILE)) == 12


def _faces(glb: bytes) -> int:
    return int(glb_json(glb)["accessors"][4]["count"]) // 3


def _box_glb() -> bytes:
    return trimesh.creation.box().export(file_type="glb")


def _bomb_png(width: int, height: int) -> bytes:
    """A PNG header that declares a huge image, with almost no pixel data behind it."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _with_texture(glb: bytes, png: bytes) -> bytes:
    json_length = struct.unpack_from("<I", glb, 12)[0]
    document = json.loads(glb[20:20 + json_length])
    bin_length = struct.unpack_from("<I", glb, 20 + json_length)[0]
    binary = glb[28 + json_length:28 + json_length + bin_length]
    document["bufferViews"].append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(png)})
    document["images"] = [{"bufferView": len(document["bufferViews"]) - 1, "mimeType": "image/png"}]
    binary += png + b"\x00" * (-len(png) % 4)
    document["buffers"][0]["byteLength"] = len(binary)
    header = json.dumps(document).encode()
    header += b" " * (-len(header) % 4)
    return (struct.pack("<4sII", b"glTF", 2, 28 + len(header) + len(binary))
            + struct.pack("<II", len(header), 0x4E4F534A) + header
            + struct.pack("<II", len(binary), 0x004E4942) + binary)


def _declared_vertices(count: int) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["accessors"][document["meshes"][0]["primitives"][0]["attributes"]["POSITION"]][
            "count"] = count
    return mutate


def _many_instances(document: dict[str, Any]) -> None:
    document["nodes"] = [{"mesh": 0} for _ in range(200_000)]
    document["scenes"] = [{"nodes": list(range(200_000))}]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "corrupt"),
    (b"glTF\x02\x00\x00\x00" + b"\xff" * 40, "corrupt"),
    (_box_glb()[:200], "corrupt"),
    (b"hello, this is not a mesh", "corrupt"),
    (_glb_rewrite(_box_glb(), lambda d: d.update(meshes=[], nodes=[{}])), "empty"),
    (_glb_rewrite(_box_glb(), _declared_vertices(10_000_000)), "more vertices"),
    (_glb_rewrite(_box_glb(), _many_instances), "more vertices"),
    (_glb_rewrite(_box_glb(), lambda d: d.update(extensionsRequired=["KHR_draco_mesh_compression"])),
     "extension"),
    (_glb_rewrite(_box_glb(), lambda d: d["buffers"][0].update(uri="/etc/passwd")), "external"),
    (_with_texture(_box_glb(), _bomb_png(60_000, 60_000)), "texture was larger"),
    (b"ply\nformat binary_little_endian 1.0\nelement vertex 900000000\nend_header\n", "vertices"),
])
def test_it_refuses_corrupt_empty_and_bomb_input(data: bytes, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        mesh_normalize(data, target=PROFILE)


def test_it_refuses_files_over_the_byte_limit() -> None:
    with pytest.raises(ProviderError, match="larger than this arena accepts"):
        mesh_normalize(_box_glb(), target=MeshFormat(max_bytes=100))


def test_it_refuses_meshes_over_the_face_limit() -> None:
    sphere = trimesh.creation.icosphere(subdivisions=4).export(file_type="glb")
    with pytest.raises(ProviderError, match="more faces"):
        mesh_normalize(sphere, target=MeshFormat(max_faces=1000))


def test_every_asset_is_stored_at_the_arena_s_one_byte_size() -> None:
    """A dense mesh and a coarse one (each model's meshes are dense in their own way) must not
    differ in size, or Content-Length alone would name the model."""
    target = MeshFormat(file_bytes=2 * 1024 * 1024)
    coarse = trimesh.creation.box().export(file_type="glb")
    dense = trimesh.creation.icosphere(subdivisions=5).export(file_type="glb")
    sizes = {len(mesh_normalize(data, target=target)) for data in (coarse, dense)}
    assert sizes == {2 * 1024 * 1024}
    stored = mesh_normalize(dense, target=target)
    (total,) = struct.unpack_from("<I", stored, 8)
    assert total == len(stored)
    assert glb_json(stored)["buffers"][0]["byteLength"] % 4 == 0


def test_a_mesh_too_dense_for_the_stored_size_is_refused_clearly() -> None:
    dense = trimesh.creation.icosphere(subdivisions=6).export(file_type="glb")
    with pytest.raises(ProviderError, match="more detailed than this arena stores"):
        mesh_normalize(dense, target=MeshFormat(file_bytes=256 * 1024))
