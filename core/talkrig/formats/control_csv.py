"""Per-frame control CSV: one row per frame, one column per channel (EmoFace style).

Layout::

    time,CTRL_expressions_jawOpen,CTRL_expressions_browDownL,...
    0.000000,0.120000,0.000000,...

``time`` is seconds from the start of the take; the frame rate is the inverse of
its step. Header-less EmoFace files (``VALID_CTR_*.txt``: numbers only, names in a
separate file) are read with ``channel_names`` and ``fps`` given by the caller.
"""

from __future__ import annotations

import csv
import os

import numpy as np

from talkrig.atomic import atomic_open
from talkrig.errors import TalkRigError
from talkrig.take import Take

TIME_COLUMN = "time"


def write_control_csv(take: Take, path: str | os.PathLike, force: bool = False) -> None:
    times = take.times()
    with atomic_open(path, "w", force=force, newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerow((TIME_COLUMN,) + take.channels)
        for t, row in zip(times, take.values):
            handle.write(f"{t:.6f}," + ",".join(f"{v:.6f}" for v in row) + "\n")


def read_control_csv(path: str | os.PathLike, channel_names: list[str] | None = None,
                     fps: float | None = None, rig: str | None = None) -> Take:
    """Read a control CSV (with header) or a header-less EmoFace matrix."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if not rows:
        raise TalkRigError("CSV is empty", path)
    if channel_names is None:
        header, data = [h.strip() for h in rows[0]], rows[1:]
        if not header or header[0].lower() != TIME_COLUMN:
            raise TalkRigError("control CSV must start with a 'time' column header", path)
        channel_names = header[1:]
    else:
        data = rows
        channel_names = _unique(channel_names)
    array = _numbers(data, path)
    if channel_names is not None and array.shape[1] == len(channel_names) + 1:
        times, values = array[:, 0], array[:, 1:]
    else:
        times, values = None, array
    if values.shape[1] != len(channel_names):
        raise TalkRigError(f"{values.shape[1]} value columns but {len(channel_names)} "
                           "channel names", path)
    rate = fps or _fps_from_times(times, path)
    start = float(times[0]) if times is not None else 0.0
    guess = rig or _guess_rig(channel_names)
    try:
        return Take(fps=rate, channels=tuple(channel_names), values=values, rig=guess,
                    start_time_s=start)
    except TalkRigError as exc:
        raise TalkRigError(exc.problem, path) from None


def _numbers(data: list[list[str]], path) -> np.ndarray:
    if not data:
        raise TalkRigError("CSV has a header but no frames", path)
    width = len(data[0])
    try:
        for r, row in enumerate(data):
            if len(row) != width:
                raise TalkRigError(f"row {r + 1} has {len(row)} fields, expected {width}", path)
        return np.asarray(data, dtype=np.float64)
    except ValueError as exc:
        raise TalkRigError(f"non-numeric value in CSV ({exc})", path) from None


def _fps_from_times(times, path) -> float:
    if times is None or len(times) < 2:
        raise TalkRigError("cannot tell the frame rate: need a 'time' column and 2+ frames",
                           path)
    steps = np.diff(times)
    if np.any(steps <= 0):
        raise TalkRigError("'time' column is not increasing", path)
    step = (times[-1] - times[0]) / (len(times) - 1)  # mean step: 6-decimal rounding averages out
    return round(1.0 / step, 3)


def _guess_rig(channel_names: list[str]) -> str:
    from talkrig.rigs import ARKIT52

    if set(channel_names) == set(ARKIT52):
        return "arkit52"
    if channel_names and all(c.startswith("CTRL_") for c in channel_names):
        return "metahuman"
    return "custom"


def _unique(names: list[str]) -> list[str]:
    """Names with repeats renamed ``name#2``, ``name#3`` (EmoFace's list repeats two)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out
