"""``.take.json``: the versioned, human-readable take format.

Schema ``talkrig.take/1``::

    {
      "schema": "talkrig.take/1",
      "fps": 60.0, "rig": "arkit52", "frames": T, "start_time_s": 0.0,
      "channels": [C names],
      "values": [[C floats] x T],               # rows are frames
      "head_pose": [[yaw, pitch, roll] x T] | null,        # radians
      "eye_rotation": [[lY, lP, lR, rY, rP, rR] x T] | null,  # radians
      "emotion": {emotion track JSON} | null,
      "audio": {"path", "sha256", "duration_s"} | null,
      "provenance": {"engine", "model_version", "seed", "talkrig_version", "text", "heard",
                     "phones"}  # phones: aligned | heard | recognised | silent | null
    }

Floats are written with 6 decimals (1e-6 resolution, far below anything visible).
"""

from __future__ import annotations

import json
import os

import numpy as np

from talkrig.atomic import atomic_open
from talkrig.errors import TalkRigError
from talkrig.formats.meta import meta_from_dict, meta_to_dict
from talkrig.take import Take

DECIMALS = 6


def _rows(array: np.ndarray | None):
    if array is None:
        return None
    return np.round(array.astype(np.float64), DECIMALS).tolist()


def write_take_json(take: Take, path: str | os.PathLike, force: bool = False) -> None:
    doc = meta_to_dict(take)
    doc["values"] = _rows(take.values)
    doc["head_pose"] = _rows(take.head_pose)
    doc["eye_rotation"] = _rows(take.eye_rotation)
    with atomic_open(path, "w", force=force, encoding="utf-8") as handle:
        json.dump(doc, handle, separators=(",", ":"))
        handle.write("\n")


def read_take_json(path: str | os.PathLike) -> Take:
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except json.JSONDecodeError as exc:
        raise TalkRigError(f"not valid JSON: {exc.msg} at line {exc.lineno}", path) from None
    except UnicodeDecodeError:
        raise TalkRigError("not a text file (expected .take.json)", path) from None
    kwargs = meta_from_dict(doc, path)
    values = _array(doc.get("values"), "values", path, len(kwargs["channels"]))
    head = _array(doc.get("head_pose"), "head_pose", path, 3, optional=True)
    eyes = _array(doc.get("eye_rotation"), "eye_rotation", path, 6, optional=True)
    try:
        return Take(values=values, head_pose=head, eye_rotation=eyes, **kwargs)
    except TalkRigError as exc:
        raise TalkRigError(exc.problem, path) from None


def _array(rows, name: str, path, width: int, optional: bool = False):
    if rows is None:
        if optional:
            return None
        raise TalkRigError(f"missing field {name!r}", path)
    try:
        array = np.asarray(rows, dtype=np.float32)
    except (TypeError, ValueError):
        raise TalkRigError(f"{name!r} must be a list of rows of numbers", path) from None
    if array.size == 0:
        array = array.reshape(0, width)
    if array.ndim != 2 or array.shape[1] != width:
        raise TalkRigError(f"{name!r} must have {width} numbers per row, got shape "
                           f"{array.shape}", path)
    return array
