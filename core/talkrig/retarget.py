"""Retargeting: canonical ARKit-52 curves -> a target rig's channels.

Every rig is a linear map plus clamping (:class:`talkrig.rigs.LinearRetarget`):
MetaHuman's comes from ``rigs/metahuman.json``; FLAME's depends on the user's
licensed FLAME model, so its matrix is read from a file the user gives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.rigs import ARKIT52, ARKIT_INDEX, BUILTIN_RIGS, LinearRetarget, load_rig_json

FLAME_MAP_ENV = "TALKRIG_FLAME_MAP"  # default FLAME map file when --flame-map is not given


def load_retarget(rig: str, flame_map: str | os.PathLike | None = None) -> LinearRetarget | None:
    """The retarget for ``rig`` (None for ``arkit52``, which needs none).

    Raises
    ------
    TalkRigError
        Unknown rig; FLAME without a map file; unreadable or mis-shaped map file.
    """
    if rig not in BUILTIN_RIGS:
        raise TalkRigError(f"unknown rig {rig!r} (choose from: {', '.join(BUILTIN_RIGS)})",
                           "--rig")
    if rig == "arkit52":
        return None
    doc = load_rig_json(rig)
    if rig == "metahuman":
        return _sparse_map(doc)
    return _flame_map(doc, flame_map or os.environ.get(FLAME_MAP_ENV))


def _sparse_map(doc: dict) -> LinearRetarget:
    channels = tuple(doc["channels"])
    matrix = np.zeros((len(channels), len(ARKIT52)), dtype=np.float32)
    for row, name in enumerate(channels):
        for source, weight in doc["map"][name].items():
            matrix[row, ARKIT_INDEX[source]] = weight
    low, high = doc["range"]["default"]
    k = len(channels)
    return LinearRetarget(doc["name"], channels, matrix, np.full(k, low, np.float32),
                          np.full(k, high, np.float32), np.zeros(k, np.float32))


def _flame_map(doc: dict, path) -> LinearRetarget:
    if not path:
        raise TalkRigError("the FLAME rig needs an ARKit->FLAME map file: pass --flame-map FILE "
                           f"or set {FLAME_MAP_ENV} (format: rigs/FLAME.md)", "--rig flame")
    path = Path(path)
    if not path.is_file():
        raise TalkRigError("FLAME map file not found", path)
    matrix, offset, columns = _read_matrix(path)
    channels = tuple(doc["channels"])
    if matrix.shape != (len(channels), len(columns)):
        raise TalkRigError(f"FLAME map matrix must be [{len(channels)}, {len(columns)}], "
                           f"got {list(matrix.shape)}", path)
    full = np.zeros((len(channels), len(ARKIT52)), dtype=np.float32)
    for col, name in enumerate(columns):
        if name not in ARKIT_INDEX:
            raise TalkRigError(f"FLAME map names unknown ARKit channel {name!r}", path)
        full[:, ARKIT_INDEX[name]] = matrix[:, col]
    low = np.empty(len(channels), np.float32)
    high = np.empty(len(channels), np.float32)
    for group, (a, b) in doc["groups"].items():
        low[a:b], high[a:b] = doc["range"][group]
    return LinearRetarget("flame", channels, full, low, high, offset.astype(np.float32))


def _read_matrix(path: Path):
    try:
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=False) as data:
                matrix = np.asarray(data["matrix"], np.float32)
                offset = np.asarray(data["offset"], np.float32) if "offset" in data else None
                columns = [str(c) for c in data["arkit_channels"]] \
                    if "arkit_channels" in data else list(ARKIT52)
        else:
            doc = json.loads(path.read_text("utf-8"))
            matrix = np.asarray(doc["matrix"], np.float32)
            offset = np.asarray(doc["offset"], np.float32) if "offset" in doc else None
            columns = list(doc.get("arkit_channels", ARKIT52))
    except KeyError as exc:
        raise TalkRigError(f"FLAME map file lacks {exc}", path) from None
    except (ValueError, OSError, json.JSONDecodeError) as exc:
        raise TalkRigError(f"cannot read FLAME map file ({exc})", path) from None
    if matrix.ndim != 2:
        raise TalkRigError("FLAME map 'matrix' must be 2-D", path)
    if offset is None:
        offset = np.zeros(matrix.shape[0], np.float32)
    if offset.shape != (matrix.shape[0],):
        raise TalkRigError(f"FLAME map 'offset' must have {matrix.shape[0]} values", path)
    return matrix, offset, columns


def apply_retarget(arkit: np.ndarray, mapping: LinearRetarget | None
                   ) -> tuple[tuple[str, ...], np.ndarray]:
    """Channel names and values for canonical curves ``arkit`` (T, 52) through ``mapping``
    (None: ARKit-52 itself, clamped to 0..1)."""
    if mapping is None:
        return ARKIT52, np.clip(arkit, 0.0, 1.0).astype(np.float32)
    return mapping.channels, mapping.apply(arkit)


def retarget_curves(arkit: np.ndarray, rig: str, flame_map=None) -> tuple[tuple[str, ...], np.ndarray]:
    """Channel names and values of ``rig`` for canonical curves ``arkit`` (T, 52)."""
    return apply_retarget(arkit, load_retarget(rig, flame_map))
