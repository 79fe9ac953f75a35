"""A minimal engine driven by loudness and spectral shape.

No phones, no model: the jaw follows the loudness envelope, the lips round on
dark (low-centroid) voiced sounds and spread on bright ones, and the lips press
together in the quiet gaps between loud stretches. It is the baseline the
phonetic and neural engines are measured against, and the fallback that always
works.
"""

from __future__ import annotations

import numpy as np

from talkrig.engines.base import EngineRequest, ProgressFn
from talkrig.features import loudness, spectral_centroid
from talkrig.rigs import ARKIT_INDEX, ARKIT52

JAW_GAIN = 0.55  # jawOpen at full loudness
LIP_GAIN = 0.25  # mouthLowerDown / mouthUpperUp at full loudness
ROUND_BELOW_HZ = 900.0  # voiced frames darker than this read as rounded vowels
SPREAD_ABOVE_HZ = 2200.0  # brighter than this reads as spread (ee, s)
ROUND_GAIN = 0.45
SPREAD_GAIN = 0.3
CLOSE_BELOW = 0.12  # loudness under this presses the lips together
ATTACK_S, RELEASE_S = 0.02, 0.06  # envelope follower time constants


class EnergyEngine:
    """Loudness-driven curves (see module docstring)."""

    name = "energy"
    version = "energy-1"

    def animate(self, request: EngineRequest, progress: ProgressFn | None = None) -> np.ndarray:
        n, fps = request.n_frames, request.fps
        level = follow_envelope(loudness(request.audio, fps, n), fps)
        centroid = spectral_centroid(request.audio, fps, n)
        curves = np.zeros((n, len(ARKIT52)), dtype=np.float32)
        voiced = level > CLOSE_BELOW
        rounded = np.clip((ROUND_BELOW_HZ * 1.5 - centroid) / ROUND_BELOW_HZ, 0, 1) * voiced
        spread = np.clip((centroid - SPREAD_ABOVE_HZ) / SPREAD_ABOVE_HZ, 0, 1) * voiced
        set_ = _setter(curves)
        set_("jawOpen", JAW_GAIN * level)
        for side in ("Left", "Right"):
            set_("mouthLowerDown" + side, LIP_GAIN * level)
            set_("mouthUpperUp" + side, 0.5 * LIP_GAIN * level)
            set_("mouthStretch" + side, SPREAD_GAIN * spread * level)
            set_("mouthPress" + side, 0.3 * (~voiced))
        set_("mouthFunnel", ROUND_GAIN * rounded * level)
        set_("mouthPucker", ROUND_GAIN * rounded * (1 - level))
        if progress:
            progress(1.0)
        return _with_emotion(curves, request.emotion)


def _setter(curves: np.ndarray):
    def set_(name: str, value) -> None:
        curves[:, ARKIT_INDEX[name]] = value
    return set_


def follow_envelope(x: np.ndarray, fps: float) -> np.ndarray:
    """One-pole attack/release follower, shape (T,) -> (T,)."""
    up = 1.0 - np.exp(-1.0 / (ATTACK_S * fps))
    down = 1.0 - np.exp(-1.0 / (RELEASE_S * fps))
    out = np.empty_like(x)
    state = 0.0
    for i, value in enumerate(x):
        state += (up if value > state else down) * (value - state)
        out[i] = state
    return out


def _with_emotion(curves: np.ndarray, emotion: np.ndarray) -> np.ndarray:
    from talkrig.expression import apply_emotion

    return apply_emotion(curves, emotion)
