"""A small network on top of a frozen Whisper encoder (torch: training and export only).

Whisper base was trained on 680 000 hours of real speech, so its encoder's states
already tell phones apart across voices, rooms and microphones; what the log-mel
network of :mod:`talkrig.model.network` has to learn from 3 hours of mostly synthetic
speech comes here for free. The encoder runs outside this graph, as its own ONNX file
(:mod:`talkrig.whisper_encoder`); this head maps its states, resampled to 60 fps, plus
the emotion vector to curves. It is built like the log-mel network's decoder: the
states are normalised frame by frame (a few of Whisper's 512 dimensions carry values
ten times the others'), the emotion enters through an MLP added to the features and a
direct linear path, and the outputs are linear in training and clamped to 0..1 in the
shipped graph (a sigmoid head let the rarely non-zero expression channels saturate at
0 early on and never learn).

    states (B, T, 512) ─ norm ─ 1x1 conv ─┐
    emotion (B, T, 7) ─ MLP ──────────────+─ residual dilated convs ─ norm ─ 1x1 ─┐
    emotion (B, T, 7) ─ linear ─────────────────────────────────────────────────+─ (B, T, 52)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from talkrig.model.dims import N_EMOTION_AXES, WhisperHeadDims
from talkrig.model.network import ChannelNorm


class WhisperHead(nn.Module):
    """Encoder states + emotion -> ARKit-52 curves (unclamped), at the output frame rate."""

    def __init__(self, dims: WhisperHeadDims):
        super().__init__()
        self.dims = dims
        ch = dims.channels
        self.states_norm = ChannelNorm(dims.features)
        self.inp = nn.Conv1d(dims.features, ch, 1)
        self.emotion = nn.Sequential(nn.Linear(N_EMOTION_AXES, ch), nn.GELU(), nn.Linear(ch, ch))
        self.norms = nn.ModuleList(ChannelNorm(ch) for _ in dims.dilations)
        self.convs = nn.ModuleList(nn.Conv1d(ch, ch, 3, dilation=d, padding=d)
                                   for d in dims.dilations)
        self.out_norm = ChannelNorm(ch)
        self.out = nn.Conv1d(ch, dims.n_outputs, 1)
        self.emotion_direct = nn.Linear(N_EMOTION_AXES, dims.n_outputs)

    def forward(self, states: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        """states (B, T, features), emotion (B, T, 7) -> curves (B, T, 52)."""
        x = self.inp(self.states_norm(states.transpose(1, 2)))  # (B, ch, T)
        x = x + self.emotion(emotion).transpose(1, 2)  # (B, ch, T)
        for norm, conv in zip(self.norms, self.convs):
            x = x + conv(F.gelu(norm(x)))  # (B, ch, T)
        out = self.out(F.gelu(self.out_norm(x))).transpose(1, 2)  # (B, T, 52)
        return out + self.emotion_direct(emotion)


class ClampedHead(nn.Module):
    """What ships: :class:`WhisperHead` with outputs clamped to 0..1."""

    def __init__(self, head: WhisperHead):
        super().__init__()
        self.head = head
        self.dims = head.dims

    def forward(self, states: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        return self.head(states, emotion).clamp(0.0, 1.0)
