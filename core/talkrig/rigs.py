"""Rig profiles: channel lists, name aliases and linear retarget maps.

The knowledge lives as versioned JSON in the repository's top-level ``rigs/``
folder (installed as ``talkrig.rigdata``); this module only reads it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

from talkrig.errors import TalkRigError

RIG_SCHEMA = "talkrig.rig/1"
BUILTIN_RIGS = ("arkit52", "metahuman", "flame")


@functools.lru_cache(maxsize=None)
def load_rig_json(name: str) -> dict:
    """The parsed ``rigs/<name>.json`` document."""
    if name not in BUILTIN_RIGS:
        raise TalkRigError(f"unknown rig {name!r} (choose from: {', '.join(BUILTIN_RIGS)})",
                           "--rig")
    text = resources.files("talkrig.rigdata").joinpath(f"{name}.json").read_text("utf-8")
    doc = json.loads(text)
    if doc.get("schema") != RIG_SCHEMA:
        raise TalkRigError(f"rig file has schema {doc.get('schema')!r}, expected {RIG_SCHEMA}",
                           f"rigs/{name}.json")
    return doc


_ARKIT = load_rig_json("arkit52")
ARKIT52: tuple[str, ...] = tuple(_ARKIT["channels"])  # canonical order, 52 names
ARKIT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT52)}
LIVELINK_ORDER: tuple[str, ...] = tuple(_ARKIT["livelink_order"])  # PascalCase, app order
LIVELINK_EXTRA: tuple[str, ...] = tuple(_ARKIT["livelink_extra"])  # 9 rotations
MIRROR_PAIRS: tuple[tuple[str, str], ...] = tuple(tuple(p) for p in _ARKIT["mirror_pairs"])

_SIDE_SUFFIX = re.compile(r"(?:[._]?(l|r|left|right))$", re.IGNORECASE)
_PREFIXES = ("blendshape.", "arkit_", "arkit.")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.lru_cache(maxsize=None)
def _alias_table() -> dict[str, str]:
    table = {_key(name): name for name in ARKIT52}
    for alias, target in _ARKIT["aliases"].items():
        table[_key(alias)] = target
    return table


def canonical_arkit_name(name: str) -> str | None:
    """The canonical ARKit-52 name for a spelling found in the wild, or None.

    Accepts any case, ``_L``/``_R``/``.L``/``.R`` side suffixes and common prefixes:
    ``eyeBlink_L``, ``EyeBlinkLeft``, ``blendShape.eyeBlinkLeft`` -> ``eyeBlinkLeft``.
    """
    raw = name.strip()
    lowered = raw.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            raw = raw[len(prefix):]
            break
    table = _alias_table()
    if _key(raw) in table:
        return table[_key(raw)]
    match = _SIDE_SUFFIX.search(raw)
    if match:
        side = "Left" if match.group(1).lower().startswith("l") else "Right"
        stem = raw[: match.start()]
        # a side-split centre shape (ICT-FaceKit's browInnerUp_L) maps to the centre channel
        return table.get(_key(stem + side)) or table.get(_key(stem))
    return None


@dataclass(frozen=True, eq=False)
class LinearRetarget:
    """Target rig values = clip(source @ matrix.T + offset, low, high).

    Attributes
    ----------
    name : str
        Target rig name.
    channels : tuple of str
        Target channel names, length K.
    matrix : np.ndarray, shape (K, 52)
        Weights from canonical ARKit-52 channels.
    low, high : np.ndarray, shape (K,)
        Value range of each target channel.
    offset : np.ndarray, shape (K,)
        Constant added before clamping (zero for most maps).
    """

    name: str
    channels: tuple[str, ...]
    matrix: np.ndarray
    low: np.ndarray
    high: np.ndarray
    offset: np.ndarray

    def apply(self, arkit: np.ndarray) -> np.ndarray:
        """Map ARKit curves, shape (T, 52), to target curves, shape (T, K)."""
        out = arkit.astype(np.float32) @ self.matrix.T.astype(np.float32) + self.offset
        return np.clip(out, self.low, self.high).astype(np.float32)
