"""Frame rates as exact fractions and frame numbers at a sequence's tick resolution.

Unreal stores every key time as an integer frame number at the sequence's *tick
resolution* (``FFrameRate``, 24000/1 by default for new Level Sequences), and shows
frames at its *display rate* (the take's fps here). A take's frame ``i`` lies at
``i / fps`` seconds, i.e. tick ``i * tick_rate / fps``, rounded to the nearest tick
when the rates are not commensurate (e.g. 29.97 fps at 24000 ticks/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from talkrig.errors import TalkRigError

DEFAULT_TICK_RESOLUTION = (24000, 1)  # Sequencer's default for new Level Sequences
NTSC_DENOMINATOR = 1001  # 29.97 = 30000/1001, 59.94 = 60000/1001
FPS_TOLERANCE = 1e-6  # how close (relative) a float fps must be to a fraction to snap to it
NTSC_TOLERANCE = 0.006  # fps: "29.97" and "59.94" as typed mean 30000/1001 and 60000/1001


@dataclass(frozen=True)
class FrameRate:
    """An exact frame rate, ``numerator / denominator`` frames per second (Unreal FFrameRate)."""

    numerator: int
    denominator: int = 1

    def __post_init__(self):
        if self.numerator <= 0 or self.denominator <= 0:
            raise TalkRigError("frame rate must be positive, "
                               f"got {self.numerator}/{self.denominator}")

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    @property
    def fps(self) -> float:
        return self.numerator / self.denominator

    def as_list(self) -> list[int]:
        return [self.numerator, self.denominator]


def frame_rate_from_fps(fps: float) -> FrameRate:
    """The exact rate for a float fps: integers stay integral, 29.97 becomes 30000/1001.

    Raises
    ------
    TalkRigError
        If ``fps`` is not a positive finite number.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise TalkRigError(f"frame rate must be a positive number, got {fps!r}")
    if abs(round(fps) - fps) <= FPS_TOLERANCE * fps:
        return FrameRate(round(fps))
    ntsc = round(fps * NTSC_DENOMINATOR / 1000) * 1000  # 29.97 -> 30000 (/1001)
    if ntsc > 0 and abs(ntsc / NTSC_DENOMINATOR - fps) <= NTSC_TOLERANCE:
        return FrameRate(ntsc, NTSC_DENOMINATOR)
    for denominator in (2, 4, 8, 100, 1000):
        numerator = round(fps * denominator)
        if numerator > 0 and abs(numerator / denominator - fps) <= FPS_TOLERANCE * fps:
            return FrameRate(numerator, denominator)
    frac = Fraction(fps).limit_denominator(1_000_000)
    return FrameRate(frac.numerator, frac.denominator)


def tick_frames(n_frames: int, display_rate: FrameRate,
                tick_resolution: FrameRate = FrameRate(*DEFAULT_TICK_RESOLUTION)) -> np.ndarray:
    """Tick-resolution frame numbers of display frames ``0 .. n_frames-1``.

    Returns
    -------
    np.ndarray, shape (n_frames,), int64
        ``round(i * tick_resolution / display_rate)``, exact integer arithmetic
        (half rounds up), so 60 fps at 24000 ticks/s gives 0, 400, 800, ...
    """
    ratio = tick_resolution.fraction / display_rate.fraction  # ticks per display frame
    index = np.arange(n_frames, dtype=np.int64)
    scaled = index * ratio.numerator  # exact: int64 holds > 10^18
    return (2 * scaled + ratio.denominator) // (2 * ratio.denominator)


def ticks_per_frame(display_rate: FrameRate, tick_resolution: FrameRate) -> Fraction:
    """How many ticks one display frame spans (an integer for 24/25/30/48/50/60 fps at 24000)."""
    return tick_resolution.fraction / display_rate.fraction
