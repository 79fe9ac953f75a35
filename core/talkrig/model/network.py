"""TalkRigNet: raw 16 kHz speech + per-frame emotion -> ARKit-52 curves at 60 fps.

Shape of the computation (B batch, N samples, M = N / 160 mel frames, T = 3 N / 800
output frames, C channels)::

    audio (B, N) --LogMel--> (B, n_mels, M) --convs @100 fps--> (B, C, M)
        --5->3 linear interpolation--> (B, C, T)            audio features
    emotion (B, T, 7) --MLP--> (B, T, C)                      emotion features
    audio + emotion --decoder @60 fps--> (B, T, C) --linear--> (B, T, 52)
                                   emotion ----linear----^ (direct expression path)

Instead of the log-mel front end, ``ModelDims.speech_encoder = "pretrained"`` uses a
wav2vec2/HuBERT-style encoder loaded from a local directory
(:mod:`talkrig.model.pretrained`).

Decoders (chosen by ``ModelDims.decoder``):

* ``conv``: residual dilated convolutions, mostly causal, with a small total
  lookahead, so streaming reproduces offline output exactly;
* ``transformer``: EmoFace-style transformer encoder with sinusoidal positions and a
  banded attention mask (bounded context, so it stays streamable in principle).

References: EmoFace (transformer over audio features + emotion embedding), READ
Avatars (N-1 emotion vector scaled by intensity).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from talkrig.model.dims import BLOCK_MEL, N_EMOTION_AXES, ModelDims
from talkrig.model.melspec import CausalMelNorm, LogMel


def mel_to_output_rate(x: torch.Tensor) -> torch.Tensor:
    """Resample (B, C, M) at 100 fps to (B, C, 3 M / 5) at 60 fps, M a multiple of 5.

    Output frame 3k+r sits at mel position 5k + 5r/3: exact linear interpolation
    inside each block of five mel frames.
    """
    b, c = x.shape[0], x.shape[1]
    blocks = x.reshape(b, c, -1, BLOCK_MEL)  # (B, C, M/5, 5)
    f0 = blocks[..., 0]
    f1 = blocks[..., 1] * (1 / 3) + blocks[..., 2] * (2 / 3)
    f2 = blocks[..., 3] * (2 / 3) + blocks[..., 4] * (1 / 3)
    return torch.stack([f0, f1, f2], dim=-1).reshape(b, c, -1)


class ChannelNorm(nn.Module):
    """LayerNorm over channels of (B, C, T), frame by frame (streaming-safe)."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, channels, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=1, keepdim=True)
        var = (x - mean).pow(2).mean(dim=1, keepdim=True)
        return (x - mean) * torch.rsqrt(var + 1e-5) * self.weight + self.bias


class AudioEncoder(nn.Module):
    """Waveform (B, N) -> audio features (B, C, T) at 60 fps."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        self.logmel = LogMel(dims)
        frames = dims.mel_norm_frames  # 0: no normalisation (the shipped model)
        self.norm = CausalMelNorm(frames, dims.mel_norm_std) if frames > 1 else nn.Identity()
        layers, width = [], dims.n_mels
        for _ in range(dims.frontend_layers):
            layers += [nn.Conv1d(width, dims.channels, 3, padding=1), nn.GELU()]
            width = dims.channels
        self.convs = nn.Sequential(*layers)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        return mel_to_output_rate(self.convs(self.norm(self.logmel(audio))))


class EmotionEncoder(nn.Module):
    """READ emotion vectors (B, T, 7) -> emotion features (B, T, C)."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(N_EMOTION_AXES, dims.channels), nn.GELU(),
                                 nn.Linear(dims.channels, dims.channels))

    def forward(self, emotion: torch.Tensor) -> torch.Tensor:
        return self.mlp(emotion)


class DilatedBlock(nn.Module):
    """x + conv1x1(gelu(dilated conv(norm(x)))) with asymmetric (mostly causal) padding."""

    def __init__(self, channels: int, dilation: int, right: int):
        super().__init__()
        self.norm = ChannelNorm(channels)
        self.pad = (2 * dilation - right, right)
        self.conv = nn.Conv1d(channels, channels, 3, dilation=dilation)
        self.mix = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = nn.functional.pad(self.norm(x), self.pad)
        return x + self.mix(nn.functional.gelu(self.conv(y)))


class ConvDecoder(nn.Module):
    """(B, C, T) -> (B, C, T) through dilated residual blocks."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        self.blocks = nn.Sequential(*[DilatedBlock(dims.channels, d, r)
                                      for d, r in zip(dims.dilations, dims.right_pads())])
        self.norm = ChannelNorm(dims.channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.blocks(x))


def sinusoids(length: torch.Tensor | int, channels: int) -> torch.Tensor:
    """Sinusoidal position table, shape (length, channels) (Vaswani et al.)."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rate = torch.exp(torch.arange(0, channels, 2, dtype=torch.float32)
                     * (-math.log(10000.0) / channels))
    angles = position * rate[None]
    return torch.stack([angles.sin(), angles.cos()], dim=-1).reshape(-1, channels)


class TransformerDecoder(nn.Module):
    """(B, C, T) -> (B, C, T): transformer encoder, sinusoidal positions, banded mask."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        self.left, self.right = dims.attention_left, dims.attention_right
        layer = nn.TransformerEncoderLayer(dims.channels, dims.n_heads, 2 * dims.channels,
                                           dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.layers = nn.TransformerEncoder(layer, dims.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dims.channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.transpose(1, 2)  # (B, T, C)
        t = h.shape[1]
        h = h + sinusoids(t, h.shape[2]).to(h.dtype)
        idx = torch.arange(t)
        offset = idx[None, :] - idx[:, None]  # key - query
        allowed = (offset <= self.right) & (offset >= -self.left)
        mask = torch.zeros(t, t, dtype=h.dtype).masked_fill(~allowed, float("-inf"))
        for layer in self.layers.layers:
            h = self._layer(layer, h, mask)
        return self.norm(h).transpose(1, 2)

    @staticmethod
    def _layer(layer: nn.TransformerEncoderLayer, h: torch.Tensor,
               mask: torch.Tensor) -> torch.Tensor:
        """Pre-norm encoder layer written out (the same maths and parameters as
        ``nn.TransformerEncoderLayer(norm_first=True)``), so torch.export traces it
        without the fast path's data-dependent checks."""
        attn = layer.self_attn
        b, t, c = h.shape
        heads = attn.num_heads
        qkv = nn.functional.linear(layer.norm1(h), attn.in_proj_weight, attn.in_proj_bias)
        q, k, v = qkv.reshape(b, t, 3, heads, c // heads).permute(2, 0, 3, 1, 4)  # (B, H, T, D)
        scores = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(c // heads)) + mask
        mixed = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c)
        h = h + attn.out_proj(mixed)
        return h + layer.linear2(nn.functional.gelu(layer.linear1(layer.norm2(h))))


class TalkRigNet(nn.Module):
    """The whole network; see the module docstring for shapes."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        self.dims = dims
        self.audio = AudioEncoder(dims) if dims.bounded else _pretrained_encoder(dims)
        self.emotion = EmotionEncoder(dims)
        self.decoder = ConvDecoder(dims) if dims.decoder == "conv" else TransformerDecoder(dims)
        self.head = nn.Linear(dims.channels, dims.n_outputs)
        self.expression = nn.Linear(dims.channels, dims.n_outputs)

    def forward(self, audio: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        """Raw curves.

        Parameters
        ----------
        audio : torch.Tensor, shape (B, N), N a multiple of 800 (BLOCK_SAMPLES)
        emotion : torch.Tensor, shape (B, 3 N / 800, 7)

        Returns
        -------
        torch.Tensor, shape (B, 3 N / 800, 52), unclamped (training targets are 0..1)
        """
        emo = self.emotion(emotion)  # (B, T, C)
        feats = self.audio(audio) + emo.transpose(1, 2)  # (B, C, T)
        hidden = self.decoder(feats).transpose(1, 2)  # (B, T, C)
        return self.head(hidden) + self.expression(emo)


def _pretrained_encoder(dims: ModelDims) -> nn.Module:
    """The optional wav2vec2/HuBERT front end (imports transformers only when used)."""
    from talkrig.model.pretrained import PretrainedSpeechEncoder

    return PretrainedSpeechEncoder(dims)


class ClampedNet(nn.Module):
    """What ships: :class:`TalkRigNet` with outputs clamped to 0..1."""

    def __init__(self, net: TalkRigNet):
        super().__init__()
        self.net = net

    def forward(self, audio: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        return self.net(audio, emotion).clamp(0.0, 1.0)
