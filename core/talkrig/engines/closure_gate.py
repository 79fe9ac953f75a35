"""Seal the lips of network curves where the audio shows a closed tract.

The neural engine's mouth dips at /p b m/ but rarely shuts: on the clean dev voice
its aperture falls to 0.20-0.30 where a closure needs 0.15, and it sealed 0.65 of the
dev bilabials. The phonetic engine's acoustic closure evidence (deep dips of the
1-3.5 kHz band, :func:`talkrig.engines.phonetic.acoustic.closure_evidence`) finds
them from the audio alone. Without phones there is no "recognised vowel" to protect,
so the network's own curve stands in: a dip is trusted where the network's aperture
is itself low against its neighbourhood, and ignored at its local peaks (vowels).

Measured on the 11 held-out clips first, then once on dev (docs/neural.md):
closure 0.391 -> 0.957 (held-out) and 0.649 -> 1.000 (dev), open/bilabial AUC
0.819 -> 0.889 and 0.706 -> 0.798; r(0) 0.586 -> 0.594 and 0.739 -> 0.655.
"""

from __future__ import annotations

import numpy as np

PEAK_WINDOW_S = 0.15  # the network's local aperture peak: max over +-150 ms
# A dip is fully trusted where the aperture is at or under this fraction of its local
# peak, not at all at the peak, linearly between (0.3 and 0.7 measured alike on held-out).
TRUSTED_FRACTION = 0.5


def dip_trust(opening, peak):
    """How far an acoustic dip is trusted where the network's aperture is ``opening``
    under its local ``peak`` (arrays or floats): 1 at or under ``TRUSTED_FRACTION`` of
    the peak, 0 at the peak."""
    relative = opening / np.maximum(peak, 1e-3)
    return np.clip((1.0 - relative) / (1.0 - TRUSTED_FRACTION), 0.0, 1.0)


def seal_at_acoustic_closures(curves: np.ndarray, audio: np.ndarray, fps: float) -> np.ndarray:
    """Scale the mouth-opening channels down where the audio shows a closure, then hold
    the aperture under :data:`talkrig.engines.phonetic.acoustic.MAX_APERTURE_SPEED`.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52), ARKit-52 in canonical order
    audio : np.ndarray, shape (N,), 16 kHz mono
    fps : float

    Returns
    -------
    np.ndarray, shape (T, 52), float32: a new array; channels other than jaw opening
    and lip parting are unchanged.
    """
    from talkrig.engines.phonetic.acoustic import (closure_evidence, limit_aperture_speed,
                                                   local_max, scale_opening)
    from talkrig.evaluation.metrics import aperture

    out = np.array(curves, dtype=np.float32, copy=True)
    if len(out) == 0:
        return out
    evidence = closure_evidence(audio, len(out), fps)  # (T,) 0..1
    opening = aperture(out)  # (T,)
    peak = local_max(opening, max(1, int(round(PEAK_WINDOW_S * fps))))  # (T,)
    keep = 1.0 - evidence * dip_trust(opening, peak)
    scale_opening(out, keep)
    limit_aperture_speed(out, fps)  # the seal scales frame by frame: no snapping
    return out
