"""``.npz``: the take's arrays in NumPy's zip format, metadata as a JSON string.

Arrays: ``values`` (T, C) float32, optional ``head_pose`` (T, 3) and
``eye_rotation`` (T, 6); ``meta``: a 0-d unicode array holding the same metadata
object as ``.take.json`` (schema ``talkrig.take/1``, without the arrays).
Exact: float32 values round-trip bit for bit.
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from talkrig.atomic import atomic_open
from talkrig.errors import TalkRigError
from talkrig.formats.meta import meta_from_dict, meta_to_dict
from talkrig.take import Take


def write_npz(take: Take, path: str | os.PathLike, force: bool = False) -> None:
    arrays = {"values": take.values, "meta": np.array(json.dumps(meta_to_dict(take)))}
    if take.head_pose is not None:
        arrays["head_pose"] = take.head_pose
    if take.eye_rotation is not None:
        arrays["eye_rotation"] = take.eye_rotation
    with atomic_open(path, "wb", force=force) as handle:
        np.savez_compressed(handle, **arrays)


def read_npz(path: str | os.PathLike) -> Take:
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise TalkRigError("a single NumPy array, not a TalkRig .npz take", path)
        with loaded as data:
            if "meta" not in data or "values" not in data:
                raise TalkRigError("not a TalkRig take (needs 'meta' and 'values' arrays)", path)
            meta = json.loads(str(data["meta"]))
            values = data["values"]
            head = data["head_pose"] if "head_pose" in data else None
            eyes = data["eye_rotation"] if "eye_rotation" in data else None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TalkRigError(f"not a readable .npz file ({exc})", path) from None
    kwargs = meta_from_dict(meta, path)
    try:
        return Take(values=values, head_pose=head, eye_rotation=eyes, **kwargs)
    except TalkRigError as exc:
        raise TalkRigError(exc.problem, path) from None
