"""Emotion control of the shipped neural model: expression rises with intensity,
lip closures survive every emotion."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import (CLOSURE_CLIPS, DEV_SPEECH, EMOTION_INTENSITIES as INTENSITIES,
                      MAX_CLOSURE_DROP, dev_file)
from talkrig.audio import load_audio
from talkrig.emotion import EMOTION_AXES
from talkrig.runtime import NeuralModel


@pytest.fixture(scope="module")
def model():
    return NeuralModel(device="cpu")


def _prototype_channels(axis: int) -> np.ndarray:
    from talkrig.engines.phonetic.tables import emotion_table

    proto = emotion_table().prototypes[axis]
    return np.flatnonzero(proto >= 0.1)


@pytest.mark.parametrize("axis,emotion", list(enumerate(EMOTION_AXES)))
def test_prototype_channels_rise_with_intensity(model, axis, emotion):
    audio = load_audio(dev_file("cold_corpus.wav")).samples
    n = int(np.ceil(len(audio) / 16000 * 60))
    channels = _prototype_channels(axis)
    means = []
    for intensity in INTENSITIES:
        vec = np.zeros((n, 7), np.float32)
        vec[:, axis] = intensity
        means.append(float(model.curves(audio, vec)[:, channels].mean()))
    assert all(b >= a - 1e-3 for a, b in zip(means, means[1:])), (emotion, means)
    assert means[-1] - means[0] > 0.05, (emotion, means)


def _closure_rate(model, axis: int | None, gate: bool = False) -> tuple[float, int]:
    """Pooled closure rate of the network's curves (``gate``: after the engine's
    acoustic closure gate) at full intensity of emotion ``axis`` (None: neutral)."""
    from talkrig.engines.closure_gate import seal_at_acoustic_closures
    from talkrig.evaluation.metrics import summarise, utterance_stats
    from talkrig.phones.readers import read_textgrid_phones

    stats = []
    for name in CLOSURE_CLIPS:
        audio = load_audio(dev_file(name)).samples
        stem = name.rsplit(".", 1)[0]
        phones = read_textgrid_phones(DEV_SPEECH / "textgrid" / f"{stem}.TextGrid")
        n = int(np.ceil(len(audio) / 16000 * 60))
        vec = np.zeros((n, 7), np.float32)
        if axis is not None:
            vec[:, axis] = 1.0
        curves = model.curves(audio, vec)
        if gate:
            curves = seal_at_acoustic_closures(curves, audio, 60.0)
        stats.append(utterance_stats(curves, phones, 60.0))
    pooled = summarise(stats)
    return pooled["bilabial_closure_rate"], pooled["n_bilabials"]


@pytest.mark.parametrize("gate", [False, True], ids=["network", "engine with closure gate"])
def test_full_intensity_emotions_keep_the_lip_closures(model, gate):
    neutral, n_bilabials = _closure_rate(model, None, gate)
    drops = {e: neutral - _closure_rate(model, axis, gate)[0]
             for axis, e in enumerate(EMOTION_AXES)}
    assert n_bilabials >= 30
    assert max(drops.values()) <= MAX_CLOSURE_DROP, (neutral, drops)
