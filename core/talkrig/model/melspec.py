"""Log-mel spectrogram as plain convolutions, so it exports into the ONNX graph.

A 1-D convolution with fixed windowed-DFT kernels computes the real and imaginary
parts of every frame; their squared magnitudes are projected on triangular mel
filters (HTK scale) and log-compressed. Frame ``i`` is centred on sample ``160 i``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from talkrig.model.dims import HOP, SAMPLE_RATE, ModelDims

LOG_FLOOR = 1e-5  # added before the log: about -100 dB re full-scale sine power
LOG_OFFSET, LOG_SCALE = 4.0, 4.0  # maps typical log-mel values to roughly -1..1


def mel_filters(n_fft: int, n_mels: int, f_min: float, f_max: float,
                freqs: np.ndarray | None = None) -> np.ndarray:
    """Triangular HTK mel filters, shape (n_mels, n_fft // 2 + 1), float32.

    ``freqs`` (shape (n_fft // 2 + 1,), Hz) is the frequency each DFT bin is read as; by
    default the bins' own frequencies. Training's vocal-tract-length perturbation
    (``training.vtlp``) passes warped ones.
    """
    def hz_to_mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    if freqs is None:
        freqs = np.linspace(0, SAMPLE_RATE / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None] - lower) / (centre - lower)
    falling = (upper - freqs[None]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def dft_kernels(n_fft: int) -> np.ndarray:
    """Hann-windowed DFT rows (cos then sin), shape (2 * (n_fft // 2 + 1), 1, n_fft)."""
    n = np.arange(n_fft)
    k = np.arange(n_fft // 2 + 1)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)
    phase = 2 * np.pi * k * n[None] / n_fft
    rows = np.concatenate([np.cos(phase), -np.sin(phase)]) * window[None]
    return rows[:, None, :].astype(np.float32)


class LogMel(nn.Module):
    """Waveform (B, N) with N a multiple of 160 -> log-mel (B, n_mels, N / 160)."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        self.n_bins = dims.n_fft // 2 + 1
        self.pad_left = dims.n_fft // 2  # frame i centred on sample HOP * i
        self.pad_right = dims.n_fft // 2 - HOP  # so there are exactly N / HOP frames
        self.register_buffer("dft", torch.from_numpy(dft_kernels(dims.n_fft)))
        fb = mel_filters(dims.n_fft, dims.n_mels, dims.f_min, dims.f_max)
        self.register_buffer("filters", torch.from_numpy(fb))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        x = nn.functional.pad(audio[:, None, :], (self.pad_left, self.pad_right))
        spec = nn.functional.conv1d(x, self.dft, stride=HOP)  # (B, 2 * bins, T)
        power = spec[:, : self.n_bins] ** 2 + spec[:, self.n_bins:] ** 2
        mel = torch.matmul(self.filters, power)  # (B, n_mels, T)
        return (torch.log(mel + LOG_FLOOR) + LOG_OFFSET) / LOG_SCALE


NORM_STD_FLOOR = 1e-2  # variance floor (log-mel units^2) so silent stretches are not blown up


class CausalMelNorm(nn.Module):
    """Per-band log-mel mean (and optionally std) removal over the past ``frames`` frames.

    Cepstral-mean-style normalisation that is streaming-safe: frame ``t`` uses only
    frames ``t - frames + 1 .. t`` (the receptive field grows by ``frames - 1`` mel hops,
    see :attr:`ModelDims.context_s`). At the start of a clip the statistics are over the
    frames that exist (count-normalised), so the zero padding does not bias them.
    Built from ``pad`` + ``cumsum``, which the dynamo ONNX exporter handles.
    """

    def __init__(self, frames: int, use_std: bool = False):
        super().__init__()
        self.frames, self.use_std = frames, use_std

    def _past_sum(self, x: torch.Tensor) -> torch.Tensor:
        """Moving average over the past ``frames`` frames, zeros before the clip: (B, C, T).

        A running sum differenced ``frames`` apart: O(T) whatever the window length
        (onnxruntime's AveragePool costs O(T * frames)). Summed in float64 so the
        difference of two large running sums stays exact on long inputs.
        """
        padded = nn.functional.pad(x, (self.frames, 0)).to(torch.float64)
        total = torch.cumsum(padded, dim=-1)
        diff = total[..., self.frames:] - total[..., : -self.frames]
        return (diff * (1.0 / self.frames)).to(x.dtype)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """(B, n_mels, T) -> (B, n_mels, T)."""
        share = self._past_sum(torch.ones_like(mel[:, :1]))  # count / frames, (B, 1, T)
        mean = self._past_sum(mel) / share
        if not self.use_std:
            return mel - mean
        var = (self._past_sum(mel * mel) / share - mean * mean).clamp(min=0.0)
        return (mel - mean) * torch.rsqrt(var + NORM_STD_FLOOR)
