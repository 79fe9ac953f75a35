"""The ICT-FaceKit-derived head (MIT, USC ICT) as arrays for the renderer (NumPy only).

Built on the packaged demo head asset (:mod:`talkrig.demo_head`, ICT-FaceKit notice
beside it). Coordinates stay in
ICT's frame: Y up, face looking down +Z, centimetres, centred on the bounding box.
Only the front of the head is kept (what a frontal camera sees), triangulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


FRONT_Z_FRACTION = 0.45  # keep faces whose centroid lies in the front 55 % of the depth range
MOUTH_MATERIALS = ("mouth", "teeth")  # the mouth interior: its extent defines the mouth region
LIP_SHAPE = "mouthPucker"  # the shape that moves the lips and little else
LIP_MOTION_CM = 0.8  # vertices it moves further than this are lips (max 1.24 cm)


@dataclass(frozen=True, eq=False)
class HeadMesh:
    """Triangulated front of the head.

    Attributes
    ----------
    vertices : (V, 3) float32, centimetres, Y up, face toward +Z
    faces : (F, 3) int64 vertex indices
    face_uvs : (F, 3, 2) float32 UV of each corner
    face_materials : (F,) int64 index into ``material_names``
    material_names : tuple of str
    shape_names : tuple of str, length S (ARKit canonical names)
    shape_deltas : (S, V, 3) float32 offsets at weight 1
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_uvs: np.ndarray
    face_materials: np.ndarray
    material_names: tuple[str, ...]
    shape_names: tuple[str, ...]
    shape_deltas: np.ndarray

    def deform(self, weights: np.ndarray) -> np.ndarray:
        """Vertices for shape weights ``(S,)`` or ``(T, S)`` -> ``(V, 3)`` or ``(T, V, 3)``."""
        return self.vertices + np.tensordot(weights, self.shape_deltas, axes=(-1, 0))

    def mouth_faces(self) -> np.ndarray:
        """Boolean ``(F,)``: faces of the mouth region: the lips (every corner moved more
        than ``LIP_MOTION_CM`` by mouthPucker) plus the mouth interior and teeth."""
        ids = [self.material_names.index(m) for m in MOUTH_MATERIALS if m in self.material_names]
        moved = np.linalg.norm(self.shape_deltas[self.shape_names.index(LIP_SHAPE)], axis=1)
        lips = (moved[self.faces] > LIP_MOTION_CM).all(1)
        return lips | np.isin(self.face_materials, ids)


def load_head(path: str | Path | None = None) -> HeadMesh:
    """Decode the asset, triangulate quads and keep the front of the head."""
    from talkrig.demo_head import load_head_asset

    asset = load_head_asset(path)
    pos = asset.positions
    tri_v, tri_uv, tri_m = _triangulate(asset.face_sizes, asset.corner_vertices,
                                        asset.corner_uv_index, asset.face_materials)
    deltas = np.zeros((len(asset.shape_names),) + pos.shape, np.float32)
    for s, (i, dv) in enumerate(zip(asset.shape_indices, asset.shape_deltas)):
        deltas[s, i] = dv
    z = pos[:, 2]
    cut = z.min() + FRONT_Z_FRACTION * (z.max() - z.min())
    keep = pos[tri_v].mean(axis=1)[:, 2] > cut
    used, remap = np.unique(tri_v[keep], return_inverse=True)
    return HeadMesh(
        vertices=pos[used].astype(np.float32),
        faces=remap.reshape(-1, 3).astype(np.int64),
        face_uvs=asset.uvs[tri_uv[keep]].astype(np.float32),
        face_materials=tri_m[keep],
        material_names=asset.material_names,
        shape_names=asset.shape_names,
        shape_deltas=np.ascontiguousarray(deltas[:, used]),
    )


def _triangulate(sizes, corners, corner_uvs, mats):
    """Fan-split faces of 3 or 4 corners -> (F', 3) vertex, (F', 3) uv index, (F',) material."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    fans = [(0, 1, 2)], [(0, 1, 2), (0, 2, 3)]
    tv, tu, tm = [], [], []
    for n, pattern in ((3, fans[0]), (4, fans[1])):
        sel = starts[sizes == n]
        for a, b, c in pattern:
            k = np.stack([sel + a, sel + b, sel + c], axis=1)
            tv.append(corners[k]), tu.append(corner_uvs[k]), tm.append(mats[sizes == n])
    return np.concatenate(tv), np.concatenate(tu), np.concatenate(tm)


def arkit_weights(channels: tuple[str, ...], values: np.ndarray, head: HeadMesh) -> np.ndarray:
    """Pick the head's shapes out of a Take's ``(T, C)`` values -> ``(T, S)`` (missing = 0)."""
    out = np.zeros((values.shape[0], len(head.shape_names)), np.float32)
    lookup = {c: i for i, c in enumerate(channels)}
    for s, name in enumerate(head.shape_names):
        if name in lookup:
            out[:, s] = values[:, lookup[name]]
    return out
