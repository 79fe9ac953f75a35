"""Shared check for the neural tests: audio changed outside a frame's receptive field."""

from __future__ import annotations

import numpy as np


def outputs_with_distant_audio_changed(net, dims, audio, probe: int):
    """Run ``net`` on ``audio`` (1, N) and on a copy whose samples beyond frame ``probe``'s
    lookahead and before its context are replaced by noise.

    Returns
    -------
    base, other : torch.Tensor, shape (1, T, 52)
    early : int
        First sample kept unchanged before the probe (the context edge).
    """
    import torch

    emotion = torch.zeros(1, audio.shape[1] // 800 * 3, 7)
    t = probe / 60
    late = int(np.ceil((t + dims.lookahead_s) * 16000)) + 1
    early = int(np.floor((t - dims.context_s) * 16000)) - 1
    changed = audio.clone()
    changed[0, late:] = torch.randn(audio.shape[1] - late)
    changed[0, :early] = torch.randn(early)
    with torch.no_grad():
        return net(audio, emotion), net(changed, emotion), early
