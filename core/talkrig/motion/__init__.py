"""Motion after the engine: smoothing, blinks, gaze saccades, head motion.

Everything here is reproducible from a seed; each generator draws from its own
child stream of the seed, so turning gaze off does not change the blinks.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.motion.blinks import add_blinks
from talkrig.motion.gaze import add_gaze
from talkrig.motion.head import head_motion
from talkrig.motion.smoothing import smooth_curves


MAX_SMOOTHING_S = 1.0  # a longer window smears whole syllables into each other
MAX_BLINK_RATE = 10.0  # ten times the speaking rate is already a blink every ~0.2 s
MAX_HEAD_MOTION_SCALE = 10.0


@dataclass(frozen=True)
class MotionOptions:
    """What happens to engine curves before retargeting."""

    smoothing_s: float = 0.05  # Savitzky-Golay window in seconds (0 disables)
    blinks: bool = True  # add blinks with log-normal intervals, moved into nearby pauses
    blink_rate: float = 1.0  # multiplier on the speaking blink rate (EmoFace figures)
    gaze: bool = True  # add gaze saccades (away at phrase starts, back at phrase ends)
    head_motion: bool = False  # add subtle head motion following speech energy
    head_motion_scale: float = 1.0  # multiplier on head motion amplitude
    seed: int = 0  # RNG seed for blinks, gaze and head motion

    def __post_init__(self):
        """Refuse settings the generators cannot use, naming the CLI flag."""
        ranges = (("smoothing_s", "--smoothing", MAX_SMOOTHING_S),
                  ("blink_rate", "--blink-rate", MAX_BLINK_RATE),
                  ("head_motion_scale", "head_motion_scale", MAX_HEAD_MOTION_SCALE))
        for field_name, flag, upper in ranges:
            value = getattr(self, field_name)
            if not isinstance(value, numbers.Real) or not 0 <= value <= upper:
                raise TalkRigError(f"must be a number from 0 to {upper:g}, got {value!r}",
                                   flag)
        if not isinstance(self.seed, numbers.Integral) or not 0 <= self.seed < 2**32:
            raise TalkRigError(f"must be a whole number from 0 to 2**32 - 1, got "
                               f"{self.seed!r}", "--seed")


@dataclass(frozen=True, eq=False)
class MotionResult:
    """Curves and pose after motion."""

    curves: np.ndarray  # (T, 52) ARKit canonical order
    eye_rotation: np.ndarray | None  # (T, 6) radians, when gaze is on
    head_pose: np.ndarray | None  # (T, 3) radians, when head motion is on


def apply_motion(curves: np.ndarray, fps: float, options: MotionOptions,
                 loudness: np.ndarray | None = None) -> MotionResult:
    """Smooth engine curves and add blinks, gaze and head motion.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
        Engine output in canonical ARKit order.
    fps : float
    options : MotionOptions
    loudness : np.ndarray, shape (T,), optional
        Speech energy per frame, 0..1: blinks move into pauses, gaze turns away as
        phrases start and back as they end, head motion follows it.
    """
    blink_rng, gaze_rng, head_rng = (np.random.default_rng(s) for s in
                                     np.random.SeedSequence(options.seed).spawn(3))
    out = smooth_curves(curves, fps, options.smoothing_s)
    eyes = head = None
    if options.blinks:
        out = add_blinks(out, fps, blink_rng, options.blink_rate, loudness)
    if options.gaze:
        out, eyes = add_gaze(out, fps, gaze_rng, loudness)
    if options.head_motion:
        n = len(out)
        energy = loudness if loudness is not None else np.zeros(n, dtype=np.float32)
        head = head_motion(energy, fps, head_rng, options.head_motion_scale)
    return MotionResult(np.clip(out, 0.0, 1.0).astype(np.float32), eyes, head)
