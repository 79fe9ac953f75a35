"""Gaze saccades (EmoFace's sampler).

Every 15-45 frames at 60 fps (0.25-0.75 s) the eyes jump to a new target at a
radius of 0.1-0.2 (in ARKit eyeLook units) in a random direction, or, with 40 %
probability, back to the centre. Saccades take about 50 ms.
"""

from __future__ import annotations

import numpy as np

from talkrig.rigs import ARKIT_INDEX

REFERENCE_FPS = 60.0  # EmoFace's interval figures are in frames at 60 fps
INTERVAL_FRAMES = (15, 45)
RADIUS = (0.1, 0.2)
RETURN_TO_CENTRE_P = 0.4
SACCADE_S = 0.05
MAX_YAW_RAD = np.deg2rad(35.0)  # eyeLook = 1 corresponds to this eye yaw
MAX_PITCH_RAD = np.deg2rad(25.0)  # ... and this eye pitch


def gaze_path(n_frames: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """Gaze direction per frame, shape (T, 2): x (+ = subject's left), y (+ = up)."""
    path = np.zeros((n_frames, 2))
    current = np.zeros(2)
    frame = 0
    ramp = max(1, int(round(SACCADE_S * fps)))
    while frame < n_frames:
        hold = int(round(rng.integers(INTERVAL_FRAMES[0], INTERVAL_FRAMES[1] + 1)
                         * fps / REFERENCE_FPS))
        if rng.random() < RETURN_TO_CENTRE_P:
            target = np.zeros(2)
        else:
            angle = rng.uniform(0, 2 * np.pi)
            target = rng.uniform(*RADIUS) * np.array([np.cos(angle), np.sin(angle)])
        end = min(n_frames, frame + max(hold, ramp))
        u = np.clip((np.arange(frame, end) - frame + 1) / ramp, 0, 1)[:, None]
        path[frame:end] = current + (target - current) * u
        current, frame = target, end
    return path


def add_gaze(curves: np.ndarray, fps: float, rng: np.random.Generator):
    """Add saccades to the eyeLook channels.

    Returns
    -------
    curves : np.ndarray, shape (T, 52)
    eye_rotation : np.ndarray, shape (T, 6), float32
        Left eye yaw/pitch/roll, right eye yaw/pitch/roll in radians.
    """
    out = curves.copy()
    path = gaze_path(len(out), fps, rng)
    x, y = path[:, 0], path[:, 1]
    left, right = np.clip(x, 0, None), np.clip(-x, 0, None)  # looking to subject's left/right
    up, down = np.clip(y, 0, None), np.clip(-y, 0, None)
    for name, value in (("eyeLookOutLeft", left), ("eyeLookInRight", left),
                        ("eyeLookInLeft", right), ("eyeLookOutRight", right),
                        ("eyeLookUpLeft", up), ("eyeLookUpRight", up),
                        ("eyeLookDownLeft", down), ("eyeLookDownRight", down)):
        col = ARKIT_INDEX[name]
        out[:, col] = np.clip(out[:, col] + value, 0, 1)
    yaw, pitch = x * MAX_YAW_RAD, y * MAX_PITCH_RAD
    zero = np.zeros_like(yaw)
    eyes = np.stack([yaw, pitch, zero, yaw, pitch, zero], axis=1).astype(np.float32)
    return out, eyes
