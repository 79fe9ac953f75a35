"""Pauses in speech, from its loudness: where blinks gather and gaze returns.

A pause is a stretch of loudness (0..1, :func:`talkrig.features.loudness`) under
PAUSE_LEVEL lasting at least MIN_PAUSE_S, after some speech (a clip that opens in
silence does not open with a pause).
"""

from __future__ import annotations

import numpy as np

PAUSE_LEVEL = 0.1
MIN_PAUSE_S = 0.15


def speech_pauses(loudness: np.ndarray, fps: float) -> np.ndarray:
    """Pauses after speech as (start_s, end_s) rows, shape (P, 2), ascending.

    A pause running to the end of the clip ends at the clip's end.

    Parameters
    ----------
    loudness : np.ndarray, shape (T,)
        Speech loudness per frame, 0..1.
    fps : float
    """
    quiet = np.concatenate([[False], np.asarray(loudness) < PAUSE_LEVEL, [False]])
    edges = np.diff(quiet.astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    keep = (starts > 0) & ((ends - starts) / fps >= MIN_PAUSE_S)
    return np.stack([starts[keep], ends[keep]], axis=1).reshape(-1, 2) / fps
