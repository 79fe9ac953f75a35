"""A phone classifier on the head's hidden features: an auxiliary loss for training only.

The teacher's curves blur neighbouring phones together (coarticulation), so the curve
loss tells the head only softly which phone it hears. Every training clip also has its
phones with times (exact for synthetic speech, aligned for real speech), so a linear
probe on the head's last hidden layer can be asked to name the phone at each frame
(cross-entropy, ``phone_weight`` in the config). The probe is not part of the shipped
graph: it only shapes the features the curves are read from.
"""

from __future__ import annotations

import numpy as np

from talkrig.engines.phonetic.tables import viseme_table

IGNORE = -100  # frame label of phones outside the table (torch's cross-entropy skips it)


def phone_classes() -> tuple[str, ...]:
    """The probe's classes: the phones of ``rigs/visemes.json`` (SIL first)."""
    return viseme_table().labels


def frame_phone_ids(phones, n_frames: int, fps: float) -> np.ndarray:
    """Class of the phone under each frame's centre: (n_frames,) int64.

    ``phones``: :class:`talkrig.phones.Phone` items; frames outside every phone are
    silence, phones outside the table are ``IGNORE``.
    """
    index = viseme_table().index
    ids = np.full(n_frames, index["SIL"], np.int64)
    centres = (np.arange(n_frames) + 0.5) / fps
    for phone in phones:
        inside = (centres >= phone.start_s) & (centres < phone.end_s)
        ids[inside] = index.get(phone.label, IGNORE)
    return ids


def make_probe(channels: int):
    """A 1x1 convolution from the head's hidden channels to the phone classes."""
    from torch import nn

    return nn.Conv1d(channels, len(phone_classes()), 1)
