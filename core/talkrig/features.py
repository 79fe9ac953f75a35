"""Frame-level audio features shared by engines and motion."""

from __future__ import annotations

import numpy as np

from talkrig.audio import SAMPLE_RATE

WINDOW_S = 0.025  # 25 ms analysis window, the usual speech frame
NOISE_FLOOR_DB = -55.0  # quieter than this is silence
LOUD_PERCENTILE = 95  # this percentile of active frames maps to loudness 1


def frame_rms_db(audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    """RMS level in dBFS of a 25 ms window centred on each frame, shape (T,)."""
    half = int(WINDOW_S * SAMPLE_RATE) // 2
    centres = (np.arange(n_frames) / fps * SAMPLE_RATE).astype(np.int64)
    padded = np.pad(audio.astype(np.float64), (half, half + 1))
    energy = np.concatenate([[0.0], np.cumsum(padded ** 2)])
    lo, hi = centres, centres + 2 * half
    hi = np.minimum(hi, len(padded))
    lo = np.minimum(lo, hi)
    mean_square = (energy[hi] - energy[lo]) / np.maximum(hi - lo, 1)
    return 10.0 * np.log10(mean_square + 1e-12)


def loudness(audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    """Speech loudness per frame, 0 (silence) .. 1 (loud speech), shape (T,).

    Level in dB above the noise floor, normalised by the 95th percentile of the
    clip's active frames, so a quiet whisper and a shout both span the range.
    """
    level = frame_rms_db(audio, fps, n_frames)
    floor = max(NOISE_FLOOR_DB, float(np.percentile(level, 10)) + 3.0)
    above = np.clip(level - floor, 0.0, None)
    active = above[above > 0]
    if active.size == 0:
        return np.zeros(n_frames, dtype=np.float32)
    top = max(float(np.percentile(active, LOUD_PERCENTILE)), 6.0)
    return np.clip(above / top, 0.0, 1.0).astype(np.float32)


def spectral_centroid(audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    """Spectral centroid in Hz of a 25 ms window per frame, shape (T,)."""
    size = int(WINDOW_S * SAMPLE_RATE)
    half = size // 2
    padded = np.pad(audio.astype(np.float32), (half, half + size))
    starts = (np.arange(n_frames) / fps * SAMPLE_RATE).astype(np.int64)
    idx = starts[:, None] + np.arange(size)[None, :]
    frames = padded[idx] * np.hanning(size).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(frames, axis=1))
    freqs = np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE)
    return (spectrum @ freqs) / (spectrum.sum(axis=1) + 1e-9)
