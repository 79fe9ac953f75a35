"""MetaHuman face-board controls computed from ``CTRL_expressions_*`` curves.

The board layout is data: ``rigs/metahuman_controls.json`` lists each face-board
control of the MetaHuman face Control Rig, whether it is a float (slider) or a
Vector2D (2-D rect) control, and for each axis the curve driven at +1 (``pos``)
and at -1 (``neg``). Every link is linear (0 -> 0, +-1 -> 1), so the control value
that reproduces a set of curves is ``pos - neg`` clamped to the axis range.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from talkrig.errors import TalkRigError

BOARD_SCHEMA = "talkrig.board/1"
BOARD_FILE = "metahuman_controls.json"
AXES = ("x", "y")  # Vector2D component order; float controls use "y" (the slider's ty)


@dataclass(frozen=True, eq=False)
class Board:
    """A face board as flat arrays, ready for vectorised conversion.

    Attributes
    ----------
    controls : tuple of str
        Control names, length N.
    kinds : tuple of str
        "float" or "vector2d" per control, length N.
    curves : tuple of str
        Full curve names (with prefix) the board reads, length K.
    pos, neg : np.ndarray, shape (N, 2), int64
        Curve index driven at +1 / -1 for the x and y axis of each control,
        -1 where none (float controls only use the y column).
    low, high : np.ndarray, shape (N, 2), float32
        Axis range of each control.
    """

    controls: tuple[str, ...]
    kinds: tuple[str, ...]
    curves: tuple[str, ...]
    pos: np.ndarray
    neg: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def control_values(self, curve_rows: np.ndarray) -> np.ndarray:
        """Board control values from curves.

        Parameters
        ----------
        curve_rows : np.ndarray, shape (K, T)
            Curves in the order of :attr:`curves`, one row per curve (curve-major, so
            every gather below copies whole contiguous rows).

        Returns
        -------
        np.ndarray, shape (N, 2, T), float32
            x and y of every control over time (float controls: y is the value, x is 0).
        """
        k, t = curve_rows.shape
        padded = np.empty((k + 1, t), np.float32)  # row K is a zero curve for "no curve"
        padded[:k] = curve_rows
        padded[k] = 0.0
        out = padded[self.pos] - padded[self.neg]
        return np.clip(out, self.low[..., None], self.high[..., None], out=out)


@functools.lru_cache(maxsize=None)
def load_board() -> Board:
    """The MetaHuman face board from ``rigs/metahuman_controls.json``."""
    text = resources.files("talkrig.rigdata").joinpath(BOARD_FILE).read_text("utf-8")
    doc = json.loads(text)
    if doc.get("schema") != BOARD_SCHEMA:
        raise TalkRigError(f"board file has schema {doc.get('schema')!r}, expected {BOARD_SCHEMA}",
                           f"rigs/{BOARD_FILE}")
    prefix = doc["curve_prefix"]
    curves: list[str] = []
    index: dict[str, int] = {}

    def curve_index(name: str | None) -> int:
        if not name:
            return -1
        full = prefix + name
        if full not in index:
            index[full] = len(curves)
            curves.append(full)
        return index[full]

    n = len(doc["controls"])
    pos = np.full((n, 2), -1, np.int64)
    neg = np.full((n, 2), -1, np.int64)
    low = np.zeros((n, 2), np.float32)
    high = np.zeros((n, 2), np.float32)
    for i, control in enumerate(doc["controls"]):
        for axis, spec in control["axes"].items():
            j = AXES.index(axis)
            pos[i, j] = curve_index(spec["pos"])
            neg[i, j] = curve_index(spec["neg"])
            low[i, j], high[i, j] = spec["range"]
    k = len(curves)
    pos[pos < 0] = k  # the zero column appended in control_values
    neg[neg < 0] = k
    return Board(controls=tuple(c["name"] for c in doc["controls"]),
                 kinds=tuple(c["kind"] for c in doc["controls"]),
                 curves=tuple(curves), pos=pos, neg=neg, low=low, high=high)
