"""The interface every engine implements.

An engine turns 16 kHz mono speech plus a per-frame emotion vector into ARKit-52
curves in canonical order (``talkrig.rigs.ARKIT52``) at the requested frame rate.
Blinks, gaze, smoothing and retargeting happen after the engine, in
:mod:`talkrig.motion` and :mod:`talkrig.retarget`, so engines only do speech and
emotion expression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

SAMPLE_RATE = 16_000  # Hz: every engine consumes 16 kHz mono float32

ProgressFn = Callable[[float], None]  # called with the fraction done, 0..1


@dataclass(frozen=True, eq=False)
class EngineRequest:
    """What an engine is asked to animate.

    Attributes
    ----------
    audio : np.ndarray, shape (N,), float32
        Mono speech at 16 kHz, roughly -1..1.
    fps : float
        Output frame rate.
    emotion : np.ndarray, shape (T, 7), float32
        READ-style emotion vector per output frame (see :mod:`talkrig.emotion`).
    text : str, optional
        Transcript, when known (the phonetic engine force-aligns it).
    """

    audio: np.ndarray
    fps: float
    emotion: np.ndarray
    text: str | None = None

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    @property
    def n_frames(self) -> int:
        return frame_count(len(self.audio) / SAMPLE_RATE, self.fps)


def frame_count(duration_s: float, fps: float) -> int:
    """Frames needed to cover ``duration_s`` at ``fps`` (at least 1)."""
    return max(1, int(math.ceil(duration_s * fps - 1e-9)))


class Engine(Protocol):
    """An animation engine."""

    name: str  # registry name, e.g. "phonetic"
    version: str  # recorded in every take it makes

    def animate(self, request: EngineRequest,
                progress: ProgressFn | None = None) -> np.ndarray:
        """Curves for ``request``.

        Returns
        -------
        np.ndarray, shape (request.n_frames, 52), float32
            ARKit-52 values in canonical order, 0..1.
        """
        ...
