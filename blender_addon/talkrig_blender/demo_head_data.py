"""The demo head for Blender (pure NumPy, no bpy).

The asset is the core's ``talkrig/assets/demo_head.npz`` (ICT-FaceKit, MIT, USC ICT;
notice beside it), read by :mod:`talkrig.demo_head`; here its Y-up centimetres
become Blender's Z-up metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# ICT is Y-up with the face looking down +Z; Blender is Z-up with a front view
# looking along +Y, so (x, y, z) -> (x, -z, y) turns the face toward -Y.
Y_UP_TO_Z_UP = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=np.float64)

# The asset has one skin colour, which hides what the brows and lips do. Two extra
# material slots paint them, found from the shapes that move them: the brows are what
# the brow lowerer moves most, above the eyes; the lips are what the pucker moves most.
FEATURE_MATERIALS = ("brows", "lips")
BROW_SHAPES = ("browDownLeft", "browDownRight")
BROW_MOVE_FRACTION = 0.7  # of the brow lowerer's largest offset
BROW_ABOVE_EYES_M = 0.004  # brow hair starts this far above the top of the eyeballs
LIP_SHAPE = "mouthPucker"
LIP_MOVE_M = 0.0092  # the pucker moves the lips at least this far (its maximum: 1.2 cm)


@dataclass(frozen=True, eq=False)
class DemoHead:
    """Decoded demo head.

    Attributes
    ----------
    positions : np.ndarray, shape (V, 3), float32
        Rest positions, metres, Z-up, centred on the bounding box.
    face_sizes : np.ndarray, shape (F,)
        Corners per face (3 or 4).
    corner_vertices : np.ndarray, shape (L,)
        Vertex index of each face corner, faces one after another.
    corner_uvs : np.ndarray, shape (L, 2), float32
        UV of each face corner.
    face_materials : np.ndarray, shape (F,)
        Material slot per face, indexing ``material_names``.
    material_names : tuple of str
    shape_names : tuple of str
        Canonical ARKit names of the shape keys.
    shape_indices : list of np.ndarray
        Vertices each shape moves.
    shape_deltas : list of np.ndarray, shape (n_i, 3), float32
        Their offsets, metres, Z-up.
    """

    positions: np.ndarray
    face_sizes: np.ndarray
    corner_vertices: np.ndarray
    corner_uvs: np.ndarray
    face_materials: np.ndarray
    material_names: tuple[str, ...]
    shape_names: tuple[str, ...]
    shape_indices: list
    shape_deltas: list

    def faces(self) -> list[list[int]]:
        """Faces as lists of vertex indices (for ``Mesh.from_pydata``)."""
        ends = np.cumsum(self.face_sizes.astype(np.int64))
        corners = self.corner_vertices.tolist()
        starts = np.concatenate([[0], ends[:-1]]).tolist()
        return [corners[s:e] for s, e in zip(starts, ends.tolist())]

    def shape_positions(self, index: int) -> np.ndarray:
        """Full positions of shape ``index`` at weight 1, shape (V, 3) float32."""
        out = self.positions.copy()
        out[self.shape_indices[index]] += self.shape_deltas[index]
        return out


def _moved_by(head: DemoHead, shapes: tuple[str, ...]) -> np.ndarray:
    """Largest offset (V,) metres that any of ``shapes`` gives each vertex."""
    moved = np.zeros(len(head.positions))
    for name in shapes:
        i = head.shape_names.index(name)
        offsets = np.linalg.norm(head.shape_deltas[i], axis=1)
        moved[head.shape_indices[i]] = np.maximum(moved[head.shape_indices[i]], offsets)
    return moved


def feature_face_materials(head: DemoHead) -> np.ndarray:
    """Material slot per face (F,), with skin faces on the brows and lips moved to the
    FEATURE_MATERIALS slots (numbered after ``head.material_names``)."""
    slots = np.asarray(head.face_materials).copy()
    names = list(head.material_names)
    corner_material = np.repeat(slots, head.face_sizes)
    eyes = head.corner_vertices[corner_material == names.index("sclera")]
    brow_line = head.positions[eyes, 2].max() + BROW_ABOVE_EYES_M
    brow = _moved_by(head, BROW_SHAPES)
    vertex_masks = {
        "brows": (brow >= BROW_MOVE_FRACTION * brow.max()) & (head.positions[:, 2] > brow_line),
        "lips": _moved_by(head, (LIP_SHAPE,)) >= LIP_MOVE_M,
    }
    face_of_corner = np.repeat(np.arange(len(slots)), head.face_sizes)
    skin = slots == names.index("skin")
    for offset, feature in enumerate(FEATURE_MATERIALS):
        corner_in = vertex_masks[feature][head.corner_vertices]
        all_in = np.bincount(face_of_corner, corner_in, len(slots)) == head.face_sizes
        slots[skin & all_in] = len(names) + offset
    return slots


def load_demo_head(path: Path | None = None) -> DemoHead:
    """Read the core's head asset and turn it into Blender's Z-up metres."""
    from talkrig.demo_head import load_head_asset

    asset = load_head_asset(path)
    rotate = Y_UP_TO_Z_UP.T * asset.units_to_m
    return DemoHead(
        positions=(asset.positions @ rotate).astype(np.float32),
        face_sizes=asset.face_sizes,
        corner_vertices=asset.corner_vertices,
        corner_uvs=asset.uvs[asset.corner_uv_index],
        face_materials=asset.face_materials,
        material_names=asset.material_names,
        shape_names=asset.shape_names,
        shape_indices=list(asset.shape_indices),
        shape_deltas=[(d @ rotate).astype(np.float32) for d in asset.shape_deltas],
    )
