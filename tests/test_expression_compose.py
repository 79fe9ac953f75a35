"""Emotion prototypes composed with speech curves."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.emotion import EMOTION_AXES
from talkrig.engines.phonetic import curves_from_phones
from talkrig.evaluation import aperture, rounding
from talkrig.expression import apply_emotion, expression_frames
from talkrig.phones import Phone
from talkrig.rigs import ARKIT_INDEX as I

FPS = 60.0
PHONES = [Phone("SIL", 0, 0.3), Phone("AA", 0.3, 0.5), Phone("M", 0.5, 0.6),
          Phone("UW", 0.6, 0.85), Phone("SIL", 0.85, 1.4)]
N = int(1.4 * FPS)


def emotion(label: str, intensity: float = 1.0, n: int = N) -> np.ndarray:
    e = np.zeros((n, 7), np.float32)
    e[:, EMOTION_AXES.index(label)] = intensity
    return e


def speech() -> np.ndarray:
    return curves_from_phones(PHONES, N, FPS)


@pytest.mark.parametrize("label, channels", [
    ("happy", ["mouthSmileLeft", "cheekSquintLeft"]),
    ("sad", ["browInnerUp", "mouthFrownLeft"]),
    ("angry", ["browDownLeft", "eyeSquintLeft"]),
    ("surprised", ["browOuterUpLeft", "eyeWideLeft", "jawOpen"]),
    ("fearful", ["browInnerUp", "mouthStretchLeft"]),
    ("disgusted", ["noseSneerLeft", "mouthFrownLeft"]),
])
def test_each_emotion_drives_its_action_units(label, channels):
    expr = expression_frames(emotion(label, 1.0, 1))[0]
    for name in channels:
        assert expr[I[name]] > 0.1, name


def test_contempt_is_one_sided():
    expr = expression_frames(emotion("contempt", 1.0, 1))[0]
    assert expr[I["mouthSmileLeft"]] > 0.3 and expr[I["mouthSmileRight"]] == 0.0


def test_expression_scales_with_intensity():
    half = expression_frames(emotion("happy", 0.5, 1))[0]
    full = expression_frames(emotion("happy", 1.0, 1))[0]
    assert np.allclose(2 * half, full, atol=1e-6)


def test_neutral_leaves_speech_unchanged():
    s = speech()
    assert np.allclose(apply_emotion(s, np.zeros((N, 7), np.float32)), s)


@pytest.mark.parametrize("label", list(EMOTION_AXES))
def test_lip_closures_stay_closed_under_every_emotion(label):
    s = speech()
    out = apply_emotion(s, emotion(label))
    m = slice(int(np.ceil(0.5 * FPS)), int(0.6 * FPS) + 1)
    assert aperture(out)[m].max() < 0.05


def test_surprise_does_not_double_the_jaw():
    s = speech()
    out = apply_emotion(s, emotion("surprised"))
    vowel = int(0.4 * FPS)
    proto_jaw = expression_frames(emotion("surprised", 1.0, 1))[0, I["jawOpen"]]
    assert out[vowel, I["jawOpen"]] <= max(s[vowel, I["jawOpen"]], proto_jaw) + 1e-6
    assert out[vowel, I["jawOpen"]] < s[vowel, I["jawOpen"]] + proto_jaw - 0.1


def test_a_smile_does_not_cancel_rounding():
    s = speech()
    out = apply_emotion(s, emotion("happy"))
    uw = slice(int(0.65 * FPS), int(0.8 * FPS))
    assert rounding(out)[uw].mean() > 0.5 * rounding(s)[uw].mean()
    open_smile = out[int(0.4 * FPS), I["mouthSmileLeft"]]
    assert out[uw, I["mouthSmileLeft"]].mean() < open_smile  # smile gives way to rounding


def test_emotion_changes_how_the_mouth_moves_not_only_a_static_overlay():
    jaw = I["jawOpen"]
    neutral = curves_from_phones(PHONES, N, FPS)
    angry = curves_from_phones(PHONES, N, FPS, emotion("angry"))
    sad = curves_from_phones(PHONES, N, FPS, emotion("sad"))
    assert angry[:, jaw].max() > 1.15 * neutral[:, jaw].max()
    assert sad[:, jaw].max() < 0.8 * neutral[:, jaw].max()


def test_a_shorter_emotion_track_holds_its_last_value():
    s = speech()
    out = apply_emotion(s, emotion("happy", 1.0, 5))
    assert out.shape == s.shape and out[-1, I["cheekSquintLeft"]] > 0.3
