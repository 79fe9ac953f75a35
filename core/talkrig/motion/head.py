"""Subtle head motion that follows speech energy.

Low-frequency noise (a sum of a few random sinusoids per axis, 0.1-0.6 Hz) whose
amplitude grows with the smoothed speech energy, plus small nods on loud onsets.
"""

from __future__ import annotations

import numpy as np

BASE_AMPLITUDE_RAD = np.deg2rad((1.0, 0.6, 0.4))  # yaw, pitch, roll drift when silent
SPEECH_AMPLITUDE_RAD = np.deg2rad((3.0, 2.0, 1.2))  # added at full speech energy
FREQUENCIES_HZ = (0.1, 0.6)
N_SINUSOIDS = 4
ENERGY_SMOOTH_S = 0.4


def head_motion(energy: np.ndarray, fps: float, rng: np.random.Generator,
                scale: float = 1.0) -> np.ndarray:
    """Head yaw, pitch, roll per frame.

    Parameters
    ----------
    energy : np.ndarray, shape (T,)
        Speech energy 0..1 per frame.

    Returns
    -------
    np.ndarray, shape (T, 3), float32, radians
    """
    n = len(energy)
    t = np.arange(n) / fps
    win = max(1, int(ENERGY_SMOOTH_S * fps))
    kernel = np.hanning(win + 2)[1:-1]
    smooth = np.convolve(energy, kernel / kernel.sum(), mode="same") if n else energy
    pose = np.zeros((n, 3))
    for axis in range(3):
        freqs = rng.uniform(*FREQUENCIES_HZ, N_SINUSOIDS)
        phases = rng.uniform(0, 2 * np.pi, N_SINUSOIDS)
        wave = np.sin(2 * np.pi * freqs[None, :] * t[:, None] + phases).sum(axis=1)
        wave /= np.sqrt(N_SINUSOIDS)
        amplitude = BASE_AMPLITUDE_RAD[axis] + SPEECH_AMPLITUDE_RAD[axis] * smooth
        pose[:, axis] = wave * amplitude * scale
    return pose.astype(np.float32)
