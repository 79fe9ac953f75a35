"""Loudness envelope of speech at the animation frame rate (25 ms RMS windows, talkrig.features)."""

from __future__ import annotations

import numpy as np

RANGE_DB = 45.0  # loudness 0..1 spans p95 - 45 dB .. p95 of the utterance


def loudness_envelope(audio: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """Per-frame loudness 0..1 relative to the utterance's loud level.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), 16 kHz mono
    n_frames : int
    fps : float

    Returns
    -------
    np.ndarray, shape (n_frames,), float32
        0 at or below ``p95 - RANGE_DB`` dB, 1 at the 95th percentile and above.
    """
    from talkrig.features import frame_rms_db

    db = frame_rms_db(np.asarray(audio, np.float32), fps, n_frames)
    top = np.percentile(db, 95)
    return np.clip((db - (top - RANGE_DB)) / RANGE_DB, 0.0, 1.0).astype(np.float32)
