"""The CPU's int8 products: the probe graph and what reads its verdict."""

from __future__ import annotations

import numpy as np
import pytest

from talkrig.cpu_int8 import PROBE, int8_pairs_saturate, probe_session
from talkrig.runtime import packaged_model


def test_the_shipped_probe_is_the_exporters_graph():
    pytest.importorskip("onnx")
    from training.export_int8_probe import probe_model_bytes

    assert packaged_model(PROBE).read_bytes() == probe_model_bytes()


def test_the_verdict_matches_full_range_products_on_this_cpu():
    """Where the probe finds exact products, random full 8-bit products are exact too;
    where it does not, some pair of them overflows."""
    session = probe_session()
    rng = np.random.default_rng(0)
    exact = []
    for _ in range(20):
        a = rng.integers(200, 256, (1, 64)).astype(np.uint8)  # loud activations
        b = rng.integers(100, 128, (64, 1)).astype(np.int8) * rng.choice([-1, 1])
        got = session.run(["y"], {"a": a, "b": b})[0]
        exact.append(int(got[0, 0]) == int(a.astype(np.int64) @ b.astype(np.int64)))
    assert all(exact) == (not int8_pairs_saturate())


def test_whisper_runs_in_int8_only_where_int8_products_are_exact():
    from talkrig.phones import whisper_words

    if not whisper_words.available():
        pytest.skip("the asr extra is not installed")
    want = "float32" if int8_pairs_saturate() else "int8"
    assert whisper_words.compute_type() == want
    # one CTranslate2 model, in int8, decodes everywhere (CTranslate2 reports int8 on a
    # CPU as "int8_float32": int8 weights, float32 the rest); only the encoder changes
    assert whisper_words._model().model.compute_type.startswith("int8")
    encoder = whisper_words._float_encoder()
    assert (encoder is None) == (want == "int8")


def test_the_phonetic_engines_version_says_how_whisper_heard_the_words():
    from talkrig.engines.phonetic.engine import ENGINE_VERSION, PhoneticEngine
    from talkrig.phones import whisper_words

    assert PhoneticEngine(hear_words=False).version == ENGINE_VERSION
    if not whisper_words.available():
        pytest.skip("the asr extra is not installed")
    hearing = PhoneticEngine().version
    assert hearing.startswith(f"{ENGINE_VERSION}+whisper-base")
    assert hearing.endswith("-float32-encoder") == int8_pairs_saturate()  # takes say so
