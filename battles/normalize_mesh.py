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

The work is in three steps, one module each: `mesh_decode` (sniff, bomb checks, load),
`mesh_canonical` (centre, scale, normals, colour) and `mesh_write` (the fixed GLB layout). The
profile's limits are `battles.media_formats.MeshFormat`.
"""

from __future__ import annotations

from battles.media_formats import MeshFormat
from battles.mesh_canonical import mesh_canonicalize
from battles.mesh_decode import mesh_decode
from battles.mesh_write import glb_write


def mesh_normalize(data: bytes, *, target: MeshFormat) -> bytes:
    """The asset as a GLB in the arena's profile, or ProviderError."""
    return glb_write(mesh_canonicalize(mesh_decode(data, target=target), target), target)
