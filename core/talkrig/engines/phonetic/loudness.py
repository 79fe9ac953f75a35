"""Loudness envelope of speech at the animation frame rate."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
WINDOW_S = 0.025  # RMS window centred on each frame
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
    audio = np.asarray(audio, np.float32)
    half = int(WINDOW_S * SAMPLE_RATE / 2)
    centres = np.round(np.arange(n_frames) / fps * SAMPLE_RATE).astype(int)
    power = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    lo = np.clip(centres - half, 0, len(audio))
    hi = np.clip(centres + half, 0, len(audio))
    rms = np.sqrt((power[hi] - power[lo]) / np.maximum(hi - lo, 1))
    db = 20.0 * np.log10(rms + 1e-8)
    top = np.percentile(db, 95)
    return np.clip((db - (top - RANGE_DB)) / RANGE_DB, 0.0, 1.0).astype(np.float32)
