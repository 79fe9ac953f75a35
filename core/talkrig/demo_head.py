"""The demo head asset: an ICT-FaceKit-derived head with ARKit-named shapes (NumPy only).

``assets/demo_head.npz`` is made by ``blender_addon/tools/make_demo_head.py`` from
ICT-FaceKit (MIT, USC ICT; notice in ``assets/ICT-FaceKit-LICENSE.txt``). It lives in
the core package so that the Blender add-on, ``talkrig preview`` and the neural
renderer share one copy. Arrays are returned in the asset's own frame: ICT's Y up,
face looking down +Z, centimetres, centred on the bounding box.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError

ASSET_ENV = "TALKRIG_HEAD_ASSET"  # use another asset file of the same layout
UV_SCALE = 65535.0  # UVs are stored as uint16


def asset_path() -> Path:
    """The head asset to use: ``$TALKRIG_HEAD_ASSET`` or the packaged one."""
    override = os.environ.get(ASSET_ENV)
    if override:
        return Path(override)
    return Path(str(resources.files("talkrig").joinpath("assets", "demo_head.npz")))


@dataclass(frozen=True, eq=False)
class HeadAsset:
    """The decoded asset (Y up, centimetres).

    Attributes
    ----------
    positions : np.ndarray, shape (V, 3), float64
    face_sizes : np.ndarray, shape (F,), int64
        Corners per face (3 or 4).
    corner_vertices : np.ndarray, shape (L,), int64
        Vertex of each face corner, faces one after another.
    corner_uv_index : np.ndarray, shape (L,), int64
        Row of ``uvs`` for each face corner.
    uvs : np.ndarray, shape (U, 2), float32
    face_materials : np.ndarray, shape (F,), int64
    material_names, shape_names : tuple of str
    shape_indices : list of np.ndarray, shape (n_i,)
        Vertices each shape moves.
    shape_deltas : list of np.ndarray, shape (n_i, 3), float64
        Their offsets at weight 1.
    units_to_m : float
        Metres per asset unit.
    """

    positions: np.ndarray
    face_sizes: np.ndarray
    corner_vertices: np.ndarray
    corner_uv_index: np.ndarray
    uvs: np.ndarray
    face_materials: np.ndarray
    material_names: tuple[str, ...]
    shape_names: tuple[str, ...]
    shape_indices: list
    shape_deltas: list
    units_to_m: float


def load_head_asset(path: str | os.PathLike | None = None) -> HeadAsset:
    """Read and de-quantise the asset.

    Raises
    ------
    TalkRigError
        If the file is missing or not a head asset.
    """
    path = Path(path) if path is not None else asset_path()
    if not path.is_file():
        raise TalkRigError("head asset not found (the ICT-FaceKit demo head npz)", path)
    try:
        with np.load(path) as data:
            splits = np.cumsum(data["shape_counts"])[:-1]
            return HeadAsset(
                positions=data["positions_q"].astype(np.float64) * float(data["position_scale"]),
                face_sizes=data["face_sizes"].astype(np.int64),
                corner_vertices=data["corner_vertices"].astype(np.int64),
                corner_uv_index=data["corner_uvs"].astype(np.int64),
                uvs=data["uvs_q"].astype(np.float32) / UV_SCALE,
                face_materials=data["face_materials"].astype(np.int64),
                material_names=tuple(str(n) for n in data["material_names"]),
                shape_names=tuple(str(n) for n in data["shape_names"]),
                shape_indices=np.split(data["shape_indices"].astype(np.int64), splits),
                shape_deltas=np.split(data["shape_deltas_q"].astype(np.float64)
                                      * float(data["delta_scale"]), splits),
                units_to_m=float(data["units_to_m"]),
            )
    except (KeyError, ValueError, OSError) as exc:
        raise TalkRigError(f"not a TalkRig head asset ({exc})", path) from None
