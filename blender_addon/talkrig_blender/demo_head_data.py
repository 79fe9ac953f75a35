"""The demo head asset, decoded (pure NumPy, no bpy).

``assets/demo_head.npz`` is made by ``blender_addon/tools/make_demo_head.py`` from
ICT-FaceKit (MIT, USC ICT; notice in ``assets/ICT-FaceKit-LICENSE.txt``).
Positions are stored in ICT's Y-up centimetres and returned in Blender's Z-up
metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

ASSET_PATH = Path(__file__).parent / "assets" / "demo_head.npz"
# ICT is Y-up with the face looking down +Z; Blender is Z-up with a front view
# looking along +Y, so (x, y, z) -> (x, -z, y) turns the face toward -Y.
Y_UP_TO_Z_UP = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=np.float64)


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


def load_demo_head(path: Path = ASSET_PATH) -> DemoHead:
    """Read and decode the asset."""
    with np.load(path) as data:
        to_m = float(data["units_to_m"])
        rotate = Y_UP_TO_Z_UP.T * to_m
        positions = data["positions_q"].astype(np.float64) * float(data["position_scale"])
        delta_scale = float(data["delta_scale"])
        counts = data["shape_counts"]
        splits = np.cumsum(counts)[:-1]
        indices = np.split(data["shape_indices"], splits)
        deltas = np.split(data["shape_deltas_q"].astype(np.float64) * delta_scale, splits)
        uvs = data["uvs_q"].astype(np.float32) / 65535.0
        return DemoHead(
            positions=(positions @ rotate).astype(np.float32),
            face_sizes=data["face_sizes"],
            corner_vertices=data["corner_vertices"],
            corner_uvs=uvs[data["corner_uvs"]],
            face_materials=data["face_materials"],
            material_names=tuple(str(n) for n in data["material_names"]),
            shape_names=tuple(str(n) for n in data["shape_names"]),
            shape_indices=list(indices),
            shape_deltas=[(d @ rotate).astype(np.float32) for d in deltas],
        )
