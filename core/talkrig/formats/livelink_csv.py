"""Live Link Face CSV: what the iPhone app records and MetaHuman tooling reads.

Header (63 columns, the app's own order, not alphabetical)::

    Timecode,BlendShapeCount,EyeBlinkLeft,...,TongueOut,HeadYaw,HeadPitch,HeadRoll,
    LeftEyeYaw,LeftEyePitch,LeftEyeRoll,RightEyeYaw,RightEyePitch,RightEyeRoll

``BlendShapeCount`` is 61 on every row (52 shapes + 9 rotations); ``Timecode`` is
``HH:MM:SS:FF.fff`` where FF.fff is the frame within the second at the take's fps.
The file carries no frame rate: the reader infers it from the frame field
(highest FF + 1 over whole seconds), or takes it from the caller.
Columns are matched by name, case-insensitively (recordings spell the count column
``BlendShapeCount`` or ``BlendshapeCount``).
"""

from __future__ import annotations

import csv
import math
import os

import numpy as np

from talkrig.atomic import atomic_open
from talkrig.errors import TalkRigError
from talkrig.rigs import ARKIT52, LIVELINK_EXTRA, LIVELINK_ORDER, canonical_arkit_name
from talkrig.take import Take

COUNT_COLUMN = "BlendShapeCount"
SHAPES_AND_ROTATIONS = len(LIVELINK_ORDER) + len(LIVELINK_EXTRA)  # 52 + 9 = 61
HEADER = ("Timecode", COUNT_COLUMN) + LIVELINK_ORDER + LIVELINK_EXTRA  # 63 columns
DEFAULT_FPS = 60.0  # the app's capture rate, used when a file is under one second


def format_timecode(seconds: float, fps: float) -> str:
    """``HH:MM:SS:FF.fff`` for a time in seconds at ``fps``."""
    whole = math.floor(seconds + 1e-9)
    frame = (seconds - whole) * fps
    if frame >= fps - 5e-4:  # rounding pushed us into the next second
        whole, frame = whole + 1, 0.0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours % 24:02d}:{minutes:02d}:{secs:02d}:{frame:06.3f}"


def parse_timecode(text: str) -> tuple[int, float]:
    """(whole seconds, frame within the second) from ``HH:MM:SS:FF.fff``."""
    parts = text.strip().split(":")
    if len(parts) != 4:
        raise ValueError(f"timecode {text!r} is not HH:MM:SS:FF.fff")
    hours, minutes, secs = (int(p) for p in parts[:3])
    return hours * 3600 + minutes * 60 + secs, float(parts[3])


def write_livelink_csv(take: Take, path: str | os.PathLike, force: bool = False) -> None:
    """Write an ARKit take as Live Link Face CSV."""
    columns = _arkit_columns(take, path)
    shapes = take.values[:, columns]  # (T, 52) in Live Link order
    head = take.head_pose if take.head_pose is not None else np.zeros((take.n_frames, 3))
    eyes = take.eye_rotation if take.eye_rotation is not None else np.zeros((take.n_frames, 6))
    times = take.times()
    with atomic_open(path, "w", force=force, newline="", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        for i in range(take.n_frames):
            numbers = np.concatenate([shapes[i], head[i], eyes[i]])
            handle.write(f"{format_timecode(times[i], take.fps)},{SHAPES_AND_ROTATIONS},"
                         + ",".join(f"{v:.6f}" for v in numbers) + "\n")


def _arkit_columns(take: Take, path) -> list[int]:
    index = {canonical_arkit_name(c): i for i, c in enumerate(take.channels)}
    missing = [n for n in ARKIT52 if n not in index]
    if missing:
        raise TalkRigError(f"Live Link Face CSV needs the 52 ARKit channels; take lacks "
                           f"{', '.join(missing[:5])}{'...' if len(missing) > 5 else ''} "
                           "(use .controls.csv for other rigs)", path)
    return [index[canonical_arkit_name(n)] for n in LIVELINK_ORDER]


def is_livelink_csv(path: str | os.PathLike) -> bool:
    """True when the first header cell is ``Timecode`` and a count column follows."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (UnicodeDecodeError, OSError):
        return False
    return len(header) > 2 and header[0].strip().lower() == "timecode" \
        and header[1].strip().lower() == COUNT_COLUMN.lower()


def read_livelink_csv(path: str | os.PathLike, fps: float | None = None) -> Take:
    """Read a Live Link Face CSV as an ARKit take (canonical channel order)."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle) if row]  # blank lines (a trailing one) skipped
    if not rows:
        raise TalkRigError("CSV is empty", path)
    header = [h.strip().lower() for h in rows[0]]
    col = {name: i for i, name in enumerate(header)}
    wanted = [n.lower() for n in LIVELINK_ORDER + LIVELINK_EXTRA]
    missing = [n for n in LIVELINK_ORDER if n.lower() not in col]
    if missing:
        raise TalkRigError(f"Live Link Face CSV lacks columns {', '.join(missing[:5])}", path)
    data = rows[1:]
    if not data:
        raise TalkRigError("Live Link Face CSV has a header but no frames", path)
    numbers = np.zeros((len(data), len(wanted)), dtype=np.float32)
    stamps = []
    for r, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise TalkRigError(f"line {r} has {len(row)} fields, header has {len(header)}", path)
        try:
            stamps.append(parse_timecode(row[0]))
            numbers[r - 2] = [float(row[col[n]]) if n in col else 0.0 for n in wanted]
        except ValueError as exc:
            raise TalkRigError(f"line {r}: {exc}", path) from None
    rate = fps or infer_fps(stamps)
    shapes = numbers[:, :len(LIVELINK_ORDER)]
    order = [LIVELINK_ORDER.index(_pascal(n)) for n in ARKIT52]
    rotations = numbers[:, len(LIVELINK_ORDER):]
    head, eyes = rotations[:, :3], rotations[:, 3:]
    start = stamps[0][0] + stamps[0][1] / rate
    try:
        return Take(fps=rate, channels=ARKIT52, values=shapes[:, order], rig="arkit52",
                    head_pose=head if np.any(head) else None,
                    eye_rotation=eyes if np.any(eyes) else None, start_time_s=start)
    except TalkRigError as exc:
        raise TalkRigError(exc.problem, path) from None


def _pascal(name: str) -> str:
    return name[0].upper() + name[1:]


def infer_fps(stamps: list[tuple[int, float]]) -> float:
    """Frame rate from (second, frame) stamps: highest frame number seen + 1.

    Only seconds fully inside the recording count; a recording shorter than two
    whole seconds falls back to :data:`DEFAULT_FPS`. Fractional rates (29.97)
    read back as the next whole rate; pass ``fps`` to the reader to override.
    """
    seconds = sorted({s for s, _ in stamps})
    inner = set(seconds[1:-1])
    if not inner:
        return DEFAULT_FPS
    top = max(f for s, f in stamps if s in inner)
    return math.floor(top + 1e-6) + 1.0
