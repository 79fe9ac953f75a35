"""Savitzky-Golay smoothing whose window follows the frame rate."""

from __future__ import annotations

import numpy as np

POLY_ORDER = 2  # keeps peaks (closures, jaw opens) where a box filter would flatten them


def window_frames(window_s: float, fps: float) -> int:
    """Odd window length in frames for ``window_s`` seconds (0 = no smoothing)."""
    frames = int(round(window_s * fps))
    if frames <= POLY_ORDER + 1:
        return 0
    return frames if frames % 2 else frames + 1


def smooth_curves(curves: np.ndarray, fps: float, window_s: float) -> np.ndarray:
    """Smooth each channel over time.

    Parameters
    ----------
    curves : np.ndarray, shape (T, C)
    fps : float
    window_s : float
        Window length in seconds; at 60 fps 0.05 s is 3 frames (too short, no-op),
        at 120 fps it is 7 frames, so the same setting means the same time span.

    Returns
    -------
    np.ndarray, shape (T, C), float32
    """
    from scipy.signal import savgol_filter

    window = window_frames(window_s, fps)
    if window == 0 or len(curves) < window:
        return curves.astype(np.float32, copy=True)
    return savgol_filter(curves, window, POLY_ORDER, axis=0, mode="interp").astype(np.float32)
