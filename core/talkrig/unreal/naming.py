"""Unreal asset names: sanitised, prefixed, and never the name of an existing asset.

Unreal object names may not contain spaces or any of ``"' ,./:|&!~@#(){}[]=;^%$`*?<>``
and package paths live under a mount point such as ``/Game``. TalkRig keeps names to
``[A-Za-z0-9_]`` and resolves clashes by appending ``_2``, ``_3``, ... so that an
import never replaces an asset someone else made.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

from talkrig.errors import TalkRigError

MAX_NAME_LENGTH = 64  # keeps package paths far below Windows' 260-character limit
MAX_SUFFIX = 9999  # give up after this many clashes rather than loop for ever
SEQUENCE_PREFIX = "LS_"  # Epic's naming convention for Level Sequences
ANIM_PREFIX = "AS_"  # ... for AnimSequences
SOUND_PREFIX = "SW_"  # ... for SoundWaves
# the MetaHuman face board Control Rig asset of a MetaHuman project
DEFAULT_CONTROL_RIG = "/Game/MetaHumans/Common/Face/Face_ControlBoard_CtrlRig"
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")
_TAKE_SUFFIXES = (".take.json", ".controls.csv", ".json", ".npz", ".csv",
                  ".wav", ".flac", ".mp3", ".ogg", ".opus")


def stem_of(filename: str) -> str:
    """File name without folder and without a known take/audio extension."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in _TAKE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name.rsplit(".", 1)[0] if "." in name else name


def asset_name(stem: str, prefix: str = "") -> str:
    """A safe Unreal asset name: ``prefix + stem`` with unsafe runs replaced by ``_``.

    >>> asset_name("line 01 (take 2)", "LS_")
    'LS_line_01_take_2'
    """
    body = _UNSAFE.sub("_", stem).strip("_") or "take"
    if body[0].isdigit() and not prefix:
        body = "_" + body
    if prefix and body.startswith(prefix):
        prefix = ""
    return (prefix + body)[:MAX_NAME_LENGTH]


def check_package_dir(path: str) -> str:
    """Validate a content folder such as ``/Game/Dialogue/Act1``; return it without a trailing /.

    Raises
    ------
    TalkRigError
        If it does not start with a mount point (``/Game`` or another ``/Name``) or
        contains characters Unreal does not allow in package paths.
    """
    clean = path.rstrip("/")
    parts = clean.split("/")
    if not clean.startswith("/") or len(parts) < 2 or not all(parts[1:]):
        raise TalkRigError(f"content folder must look like /Game/Folder, got {path!r}",
                           "--sequence-dir")
    if any(_UNSAFE.search(p) for p in parts[1:]):
        raise TalkRigError(f"content folder {path!r} may only use letters, digits and _",
                           "--sequence-dir")
    return clean


def candidate_names(base: str) -> Iterator[str]:
    """``base``, ``base_2``, ``base_3``, ... up to :data:`MAX_SUFFIX`."""
    yield base
    for n in range(2, MAX_SUFFIX + 1):
        yield f"{base}_{n}"


def unique_asset_path(folder: str, base: str, exists: Callable[[str], bool]) -> str:
    """First ``folder/name`` among :func:`candidate_names` for which ``exists`` is False."""
    for name in candidate_names(base):
        path = f"{folder}/{name}"
        if not exists(path):
            return path
    raise TalkRigError(f"{MAX_SUFFIX} assets named {base}_N already exist", folder)
