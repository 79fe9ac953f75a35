"""An auxiliary phone classifier on a Whisper head's last hidden layer (training only).

The head learns curves from the phonetic engine's, which say where the lips go but not
which phone is spoken: a /p/ and an /m/ have the same closure, an /UW/ and an /OW/ much
the same rounding. With ``phone_weight`` > 0, :mod:`training.train_whisper_head` also
asks a linear read-out of the head's last hidden features (what its output layer reads)
to name each frame's phone, from the clip's exact (synthetic) or aligned (real) phones,
with cross-entropy. The read-out is not exported: the shipped head is the same graph.
"""

from __future__ import annotations

import numpy as np

from talkrig.model.dims import OUTPUT_FPS
from talkrig.phones import labels_at
from talkrig.phones.labels import ARPABET, SILENCE

# the classes: the 39 CMU phones, schwa and silence, in a fixed order
PHONES: tuple[str, ...] = (*sorted(ARPABET), SILENCE)
_INDEX = {label: i for i, label in enumerate(PHONES)}


def frame_phones(phones, n_frames: int, fps: float = OUTPUT_FPS, first: int = 0) -> np.ndarray:
    """The phone class of frames ``first .. first + n_frames - 1`` (frame i at i / fps),
    silence where none is spoken.

    Parameters
    ----------
    phones : sequence of talkrig.phones.Phone
    n_frames : int
    first : int
        The first frame's index (a training crop's start).

    Returns
    -------
    np.ndarray, shape (n_frames,), int64, indices into :data:`PHONES`
    """
    silence = _INDEX[SILENCE]
    return labels_at(phones, np.arange(first, first + n_frames) / fps,
                     lambda label: _INDEX.get(label, silence), silence)


def make_probe(channels: int):
    """A 1x1 convolution from the head's ``channels`` hidden features to phone logits."""
    from torch import nn

    return nn.Conv1d(channels, len(PHONES), 1)


class HiddenTap:
    """Keeps what ``module`` (the head's output layer) was last called with: the
    head's last hidden features, (B, channels, T)."""

    def __init__(self, module):
        self.features = None
        self.handle = module.register_forward_hook(self._keep)

    def _keep(self, module, inputs, output) -> None:
        self.features = inputs[0]

    def remove(self) -> None:
        self.handle.remove()


def phone_loss(probe, features, labels):
    """Mean cross-entropy of the probe's phone logits over every frame.

    features (B, channels, T) float, labels (B, T) int64 -> a scalar tensor.
    """
    import torch.nn.functional as F

    return F.cross_entropy(probe(features), labels)  # logits (B, n_phones, T)
