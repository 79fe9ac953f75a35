"""Frame-level audio features shared by engines and motion."""

from __future__ import annotations

import numpy as np

from talkrig.audio import SAMPLE_RATE

WINDOW_S = 0.025  # 25 ms analysis window, the usual speech frame
NOISE_FLOOR_DB = -55.0  # quieter than this is silence
LOUD_PERCENTILE = 95  # this percentile of active frames maps to loudness 1
STFT_WIN = 400  # 25 ms window at 16 kHz
STFT_N_FFT = 512
STFT_BLOCK_FRAMES = 4096  # frames per block: bounds memory on hour-long audio


def frame_rms_db(audio: np.ndarray, fps: float, n_frames: int) -> np.ndarray:
    """RMS level in dBFS of a 25 ms window centred on each frame, shape (T,).

    Computed in blocks of frames, so hour-long audio needs no full-length temporaries.
    """
    half = int(WINDOW_S * SAMPLE_RATE) // 2
    padded = np.pad(np.asarray(audio, np.float32), (half, half + 1))
    starts = np.minimum((np.arange(n_frames) / fps * SAMPLE_RATE).astype(np.int64),
                        len(padded) - 2 * half)
    offsets = np.arange(2 * half)[None, :]
    out = np.empty(n_frames, np.float64)
    for lo in range(0, n_frames, STFT_BLOCK_FRAMES):
        window = padded[starts[lo:lo + STFT_BLOCK_FRAMES, None] + offsets].astype(np.float64)
        out[lo:lo + STFT_BLOCK_FRAMES] = np.mean(window ** 2, axis=1)
    return 10.0 * np.log10(out + 1e-12)


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
    """Power-weighted spectral centroid in Hz of a 25 ms window per frame, shape (T,)."""
    hop = SAMPLE_RATE // 100  # 10 ms analysis, interpolated to the frame times
    freqs = fft_freqs()
    power = band_power(audio, hop, np.stack([freqs, np.ones_like(freqs)], axis=1))
    centroid = power[:, 0] / (power[:, 1] + 1e-9)
    times = np.arange(n_frames) / fps
    return np.interp(times, np.arange(len(centroid)) * hop / SAMPLE_RATE, centroid)


def fft_freqs() -> np.ndarray:
    """Centre frequency of each STFT bin in Hz, shape (257,)."""
    return np.fft.rfftfreq(STFT_N_FFT, 1.0 / SAMPLE_RATE)


def band_power(audio: np.ndarray, hop: int, band_masks: np.ndarray) -> np.ndarray:
    """Power in frequency bands of a Hann-windowed 25 ms STFT, computed in blocks.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), 16 kHz mono
    hop : int
        Samples between frames; frame m is centred on sample m * hop.
    band_masks : np.ndarray, shape (257, B)
        Weight of each FFT bin (see :func:`fft_freqs`) in each band, usually 0/1.

    Returns
    -------
    np.ndarray, shape (M, B), float64, with M = 1 + N // hop
    """
    audio = np.asarray(audio, np.float32)
    pad = np.pad(audio, (STFT_WIN // 2, STFT_WIN // 2))
    n = max(1, 1 + (len(pad) - STFT_WIN) // hop)
    window = np.hanning(STFT_WIN).astype(np.float32)
    masks = np.asarray(band_masks, np.float64)
    out = np.empty((n, masks.shape[1]), np.float64)
    offsets = np.arange(STFT_WIN)[None, :]
    for lo in range(0, n, STFT_BLOCK_FRAMES):
        hi = min(n, lo + STFT_BLOCK_FRAMES)
        frames = pad[offsets + hop * np.arange(lo, hi)[:, None]] * window
        out[lo:hi] = (np.abs(np.fft.rfft(frames, STFT_N_FFT)) ** 2) @ masks
    return out
