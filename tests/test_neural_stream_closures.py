"""Streams can seal the lips at acoustic closures too, with bounded lookahead."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.engines.closure_gate_stream import causal_seal
from talkrig.evaluation.corpus import find_utterances
from talkrig.evaluation.metrics import summarise, utterance_stats
from talkrig.runtime import NeuralModel
from talkrig.streaming import MAX_LOOKAHEAD_S, NeuralStream

FPS = 60.0


@pytest.fixture(scope="module")
def model():
    return NeuralModel(device="cpu", threads=1)


@pytest.fixture(scope="module")
def utterance():
    (item,) = [u for u in find_utterances(dev_file("acoustic_corpus.wav").parents[1])
               if u.name == "acoustic_corpus"]
    return item, load_audio(item.audio).samples


def stream(model, audio, chunk):
    s = NeuralStream(model, acoustic_closures=True)
    assert s.latency_s <= MAX_LOOKAHEAD_S
    return np.concatenate([s.push(audio[i:i + chunk]) for i in range(0, len(audio), chunk)]
                          + [s.flush()])


@pytest.mark.parametrize("chunk_ms", [10, 20, 100])
def test_the_gated_stream_does_not_depend_on_chunking(model, utterance, chunk_ms):
    audio = utterance[1][: 16000 * 6]
    n = int(np.ceil(len(audio) / 16000 * FPS - 1e-9))
    network = model.curves(audio, np.zeros((n, 7), np.float32))
    expected = causal_seal(network, audio, FPS)
    assert np.max(np.abs(expected - network)) > 0.1  # the gate does act
    streamed = stream(model, audio, 16 * chunk_ms)
    assert streamed.shape == expected.shape
    assert np.max(np.abs(streamed - expected)) <= 1e-5


def test_the_gated_stream_closes_the_bilabials_the_network_leaves_open(model, utterance):
    item, audio = utterance
    n = int(np.ceil(len(audio) / 16000 * FPS - 1e-9))
    network = model.curves(audio, np.zeros((n, 7), np.float32))
    before = summarise([utterance_stats(network, item.phones, FPS)])
    after = summarise([utterance_stats(stream(model, audio, 320), item.phones, FPS)])
    assert before["bilabial_closure_rate"] < 0.8 <= after["bilabial_closure_rate"]
    assert after["open_vs_bilabial_auc"] > before["open_vs_bilabial_auc"]


def test_the_sealed_stream_never_springs_open_faster_than_the_offline_limit(
        model, utterance, monkeypatch):
    from talkrig.engines.phonetic import acoustic
    from talkrig.evaluation.metrics import aperture

    audio = utterance[1]
    step = acoustic.MAX_APERTURE_SPEED / FPS
    rises = np.diff(aperture(stream(model, audio, 320)))
    assert rises.max() <= step + 1e-5
    assert rises.min() < -step  # closing is not held back
    monkeypatch.setattr(acoustic, "limit_opening_speed", lambda curves, fps, previous: None)
    unlimited = np.diff(aperture(stream(model, audio, 320)))
    assert unlimited.max() > 1.5 * step  # without the limit the seal lets the lips spring open


def test_offline_generation_with_the_causal_gate_equals_the_gated_stream(model, utterance):
    from talkrig.engines.base import EngineRequest
    from talkrig.engines.neural import NeuralEngine

    audio = utterance[1][: 16000 * 6]
    n = int(np.ceil(len(audio) / 16000 * FPS - 1e-9))
    offline = NeuralEngine(device="cpu", closure_gate="causal").animate(
        EngineRequest(audio, FPS, np.zeros((n, 7), np.float32)))
    assert np.max(np.abs(stream(model, audio, 320) - offline)) <= 1e-4


def test_an_unknown_closure_gate_is_a_one_line_error():
    from talkrig.engines.neural import NeuralEngine
    from talkrig.errors import TalkRigError

    with pytest.raises(TalkRigError, match="closure gate must be one of clip, causal, off"):
        NeuralEngine(closure_gate="sometimes")
