"""Random emotion specs for training clips: every emotion, every intensity, timelines.

Specs are strings in :func:`talkrig.emotion.parse_emotion` syntax (``happy:0.8`` or
``neutral@0,angry:0.6@1.5``) so the corpus manifest is readable and reproducible.
"""

from __future__ import annotations

import numpy as np

from talkrig.emotion import EMOTIONS, parse_emotion

NEUTRAL_FRACTION = 0.2  # clips with no emotion
TIMELINE_FRACTION = 0.25  # clips whose emotion changes mid-utterance
MIN_KEY_GAP_S = 0.25  # timeline keys are at least this far apart


def random_spec(duration_s: float, rng: np.random.Generator) -> str:
    """One emotion spec for a clip of ``duration_s`` seconds."""
    draw = rng.random()
    if draw < NEUTRAL_FRACTION:
        return "neutral"
    if draw < NEUTRAL_FRACTION + TIMELINE_FRACTION and duration_s > 1.0:
        n_keys = int(rng.integers(2, 4))
        # distinct key times at least MIN_KEY_GAP_S apart, none at 0
        slots = np.arange(MIN_KEY_GAP_S, duration_s, MIN_KEY_GAP_S)
        times = np.sort(rng.choice(slots, size=min(n_keys - 1, len(slots)), replace=False))
        keys = [_label(rng) + "@0"] + [f"{_label(rng)}@{t:.2f}" for t in times]
        return ",".join(keys)
    return _label(rng)


def _label(rng: np.random.Generator) -> str:
    name = EMOTIONS[int(rng.integers(len(EMOTIONS)))]
    if name == "neutral":
        return name
    return f"{name}:{rng.uniform(0.15, 1.0):.2f}"


def vectors(spec: str, fps: float, n_frames: int) -> np.ndarray:
    """Per-frame READ vectors of ``spec``, shape (n_frames, 7), float32."""
    return parse_emotion(spec).vectors(fps, n_frames)


def labels_of(spec: str) -> list[str]:
    """Emotion names a spec uses (for manifest counts)."""
    return [k.label for k in parse_emotion(spec).keys]
