"""The energy-only baseline: jaw opening from the loudness envelope, nothing else.

It knows when someone is speaking but not what: it opens on every syllable and
cannot close for bilabials. The evaluation reports it so the phonetic and neural
numbers have something to be compared with.
"""

from __future__ import annotations

import numpy as np

JAW_MAX = 0.6  # jawOpen at full loudness
SMOOTH_FRAMES = 3  # moving average over frames


def energy_curves(audio: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """Baseline curves: only jawOpen, from loudness.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), 16 kHz mono
    n_frames : int
    fps : float

    Returns
    -------
    np.ndarray, shape (n_frames, 52), float32
    """
    from talkrig.engines.phonetic.loudness import loudness_envelope
    from talkrig.rigs import ARKIT_INDEX

    loud = loudness_envelope(audio, n_frames, fps)
    # the lower half of the range is breath and room noise: keep the jaw shut there
    jaw = JAW_MAX * np.clip(2.0 * loud - 1.0, 0.0, 1.0)
    jaw = np.convolve(jaw, np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, mode="same")
    curves = np.zeros((n_frames, 52), np.float32)
    curves[:, ARKIT_INDEX["jawOpen"]] = jaw
    return curves


def energy_engine_fn(request) -> np.ndarray:
    """The baseline as an ``engine_fn`` for :func:`talkrig.evaluation.evaluate_folder`."""
    return energy_curves(request.audio, request.n_frames, request.fps)
