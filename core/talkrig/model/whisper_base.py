"""Whisper base's audio encoder in torch, rebuilt from the installed weights (export only).

The phonetic engine runs Whisper base in CTranslate2 to hear words. For the
``neural-whisper`` engine only the encoder is needed, and running it in onnxruntime
with int8 matrix products costs a fraction of CTranslate2's full model in time and
memory. This module rebuilds that encoder (optionally only its first ``layers``
blocks), with Whisper's log-mel front end inside the graph, so
``training.export_whisper_encoder`` can export it. Architecture (Radford et al. 2022,
"Robust Speech Recognition via Large-Scale Weak Supervision")::

    audio (B, N) at 16 kHz, N a multiple of 320 samples (20 ms)
      -> log-mel (B, 80, N / 160) at 100 fps (WhisperLogMel)
      -> conv k3 -> GELU -> conv k3 stride 2 -> GELU        (B, F/2, 512) at 50 fps
         (each conv written as one matrix product: StridedConv)
      -> + sinusoidal positions (the first F/2 of 1500)
      -> pre-norm transformer blocks (8 heads, MLP 2048), full attention
      -> layer norm                                         (B, F/2, 512)
      [+ the outputs of the blocks in ``taps``, each layer-normed, side by side]
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from talkrig.model.dims import SAMPLE_RATE, WhisperEncoderDims

N_FFT = 400  # 25 ms analysis window
HOP = 160  # 10 ms: 100 mel frames per second
DYNAMIC_RANGE_DECADES = 8.0  # log10 values further under the input's peak are raised
# Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above it
# (27 mels per factor 6.4 in frequency)
LINEAR_HZ_PER_MEL = 200.0 / 3
LOG_START_HZ = 1000.0
LOG_STEP = np.log(6.4) / 27.0


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    start_mel = LOG_START_HZ / LINEAR_HZ_PER_MEL
    return np.where(mels >= start_mel, LOG_START_HZ * np.exp(LOG_STEP * (mels - start_mel)),
                    LINEAR_HZ_PER_MEL * mels)


def mel_filters(n_mels: int) -> np.ndarray:
    """Whisper's triangular Slaney-normalised filters up to 8 kHz: (n_mels, 201)."""
    start_mel = LOG_START_HZ / LINEAR_HZ_PER_MEL
    top_mel = start_mel + np.log(SAMPLE_RATE / 2 / LOG_START_HZ) / LOG_STEP
    edges = _mel_to_hz(np.linspace(0.0, top_mel, n_mels + 2))  # (n_mels + 2,)
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)  # (201,)
    rising = (bins[None] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    falling = (edges[2:, None] - bins[None]) / np.diff(edges)[1:, None]
    area = 2.0 / (edges[2:] - edges[:-2])  # equal energy per band
    return (np.maximum(0.0, np.minimum(rising, falling)) * area[:, None]).astype(np.float32)


class WhisperLogMel(nn.Module):
    """Whisper's log-mel (its ``log_mel_spectrogram`` arithmetic) as a graph.

    The input is padded with one hop of zeros and reflect-padded by half a window, a
    periodic-Hann DFT runs as a strided convolution, the power spectrum goes through
    the mel filters, log10 is floored at 1e-10 and then at 8 decades under the peak of
    the whole input (one peak per batch item; the frame past the end that Whisper
    computes counts towards it), and (x + 4) / 4 maps it to roughly -1..1.
    """

    def __init__(self, n_mels: int):
        super().__init__()
        window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann
        phase = 2 * np.pi * np.outer(np.arange(N_FFT // 2 + 1), np.arange(N_FFT)) / N_FFT
        kernels = np.concatenate([np.cos(phase), -np.sin(phase)]) * window  # (402, 400)
        self.register_buffer("dft", torch.tensor(kernels[:, None], dtype=torch.float32))
        self.register_buffer("filters", torch.from_numpy(mel_filters(n_mels)))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """audio (B, N) -> log-mel (B, n_mels, N / HOP)."""
        x = F.pad(audio, (0, HOP))[:, None]  # (B, 1, N + HOP)
        x = F.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
        spectrum = F.conv1d(x, self.dft, stride=HOP)  # (B, 402, N / HOP + 2)
        real, imag = spectrum.chunk(2, dim=1)
        power = (real ** 2 + imag ** 2)[:, :, :-1]  # (B, 201, N / HOP + 1)
        log = torch.log10(torch.clamp(self.filters @ power, min=1e-10))
        peak = log.amax(dim=(1, 2), keepdim=True)
        log = torch.maximum(log, peak - DYNAMIC_RANGE_DECADES)
        return ((log + 4.0) / 4.0)[:, :, :-1]  # (B, n_mels, N / HOP)


class EncoderBlock(nn.Module):
    """Pre-norm self-attention + MLP, each residual."""

    def __init__(self, dims: WhisperEncoderDims):
        super().__init__()
        width = dims.width
        self.heads = dims.heads
        self.attn_norm = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)  # query, key (bias 0 in Whisper), value
        self.attn_out = nn.Linear(width, width)
        self.mlp_norm = nn.LayerNorm(width)
        self.mlp_in = nn.Linear(width, dims.mlp_ratio * width)
        self.mlp_out = nn.Linear(dims.mlp_ratio * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, T, width) -> (B, T, width)."""
        batch, frames, width = x.shape
        q, k, v = self.qkv(self.attn_norm(x)).split(width, dim=-1)  # 3 x (B, T, width)
        q, k, v = (t.view(batch, frames, self.heads, -1).transpose(1, 2)
                   for t in (q, k, v))  # (B, heads, T, width / heads)
        attended = F.scaled_dot_product_attention(q, k, v)  # (B, heads, T, width / heads)
        x = x + self.attn_out(attended.transpose(1, 2).reshape(batch, frames, width))
        return x + self.mlp_out(F.gelu(self.mlp_in(self.mlp_norm(x))))


class StridedConv(nn.Module):
    """A kernel-3 conv1d ("same" padding) written as one matrix product over the three
    shifted copies of its input, so that int8 quantization of MatMuls covers it too
    (onnxruntime's int8 convolution kernel is several times slower than its float one,
    and the float one was a fifth of the encoder's time)."""

    def __init__(self, channels_in: int, channels_out: int, stride: int):
        super().__init__()
        self.stride = stride
        self.linear = nn.Linear(3 * channels_in, channels_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C_in, F) -> (B, F / stride, C_out) (time second, as the blocks want it)."""
        frames = -(-x.shape[2] // self.stride)
        padded = F.pad(x, (1, 1))
        taps = [padded[:, :, k: k + self.stride * frames: self.stride] for k in range(3)]
        return self.linear(torch.cat(taps, dim=1).transpose(1, 2))  # (B, F / stride, C_out)



class WhisperBaseEncoder(nn.Module):
    """Audio (B, N) at 16 kHz, N a multiple of 320 and at most 30 s -> states
    (B, N / 320, state_width), one per 20 ms (state_width 512 without taps)."""

    def __init__(self, dims: WhisperEncoderDims):
        super().__init__()
        self.dims = dims
        self.log_mel = WhisperLogMel(dims.n_mels)
        self.conv1 = StridedConv(dims.n_mels, dims.width, stride=1)
        self.conv2 = StridedConv(dims.width, dims.width, stride=2)
        self.register_buffer("positions", torch.zeros(dims.n_positions, dims.width))
        self.blocks = nn.ModuleList(EncoderBlock(dims) for _ in range(dims.layers))
        self.out_norm = nn.LayerNorm(dims.width)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """audio (B, N) -> states (B, N / 320, state_width): the final states, then each
        tapped block's output layer-normed (no learnt scale), side by side."""
        mel = self.log_mel(audio)  # (B, 80, F), F = N / 160
        x = F.gelu(self.conv1(mel)).transpose(1, 2)  # (B, width, F)
        x = F.gelu(self.conv2(x))  # (B, F/2, width)
        x = x + self.positions[: x.shape[1]]
        tapped = []
        for number, block in enumerate(self.blocks, start=1):
            x = block(x)
            if number in self.dims.taps:
                tapped.append(F.layer_norm(x, (self.dims.width,)))  # (B, F/2, width)
        return torch.cat([self.out_norm(x), *tapped], dim=-1) if tapped else self.out_norm(x)


def from_ct2(variables: dict[str, np.ndarray], dims: WhisperEncoderDims) -> WhisperBaseEncoder:
    """The encoder (its first ``dims.layers`` blocks) from CTranslate2's ``encoder/...``
    variables, in float32, in eval mode."""
    from talkrig.model.whisper_weights import encoder_state

    state = {name: torch.from_numpy(np.ascontiguousarray(value))
             for name, value in encoder_state(variables, dims).items()}
    net = WhisperBaseEncoder(dims)
    net.load_state_dict({**net.state_dict(), **state})  # the front end's buffers are ours
    return net.eval()
