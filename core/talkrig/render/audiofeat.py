"""Per-video-frame audio windows for the neural texture (NumPy).

READ Avatars feeds phoneme posteriors from a pretrained Wav2Vec2 at twice the video
rate; no such model is available offline here, so the features are log-mel energies
(26 bands, 25 ms window) at twice the video frame rate, normalised per clip.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
WIN = 400  # 25 ms window at 16 kHz
N_FFT = 512
N_MELS = 26  # classic MFCC filterbank size
AUDIO_PER_VIDEO_FRAME = 2  # feature frames per video frame (READ: 60 fps for 30 fps video)


def mel_bank(n_mels: int = N_MELS, n_fft: int = N_FFT, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft // 2 + 1)``."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    inv = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
    edges = inv(np.linspace(mel(60), mel(sr / 2 * 0.95), n_mels + 2))
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)


def log_mel(samples: np.ndarray, rate_hz: float, n_frames: int) -> np.ndarray:
    """Log-mel features at ``rate_hz``, exactly ``n_frames`` rows ``(n_frames, N_MELS)``."""
    hop = SAMPLE_RATE / rate_hz
    padded = np.pad(samples.astype(np.float32), (WIN, WIN + int(hop) * 2 + N_FFT))
    starts = (np.arange(n_frames) * hop).astype(np.int64) + WIN // 2
    frames = padded[starts[:, None] + np.arange(WIN)] * np.hanning(WIN)
    power = np.abs(np.fft.rfft(frames, N_FFT)) ** 2
    feats = np.log(power @ mel_bank().T + 1e-8)
    return ((feats - feats.mean(0)) / (feats.std(0) + 1e-5)).astype(np.float32)


def frame_windows(samples: np.ndarray, fps: float, n_video: int, window: int) -> np.ndarray:
    """Audio window per video frame ``(n_video, 2 * window, N_MELS)``, centred on the frame."""
    feats = log_mel(samples, fps * AUDIO_PER_VIDEO_FRAME, n_video * AUDIO_PER_VIDEO_FRAME)
    padded = np.pad(feats, ((window, window), (0, 0)), mode="edge")
    centre = np.arange(n_video) * AUDIO_PER_VIDEO_FRAME + window
    idx = centre[:, None] + np.arange(-window, window)
    return padded[idx]
