"""The shipped neural model through onnxruntime + numpy: metadata, windows, engine."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.engines.base import EngineRequest
from talkrig.errors import TalkRigError
from talkrig.rigs import ARKIT52
from talkrig.runtime import NeuralModel, default_model_path
from talkrig.take import resample_frames


@pytest.fixture(scope="module")
def model():
    return NeuralModel(device="cpu")


@pytest.fixture(scope="module")
def speech():
    return load_audio(dev_file("cold_corpus.wav")).samples


def test_runtime_and_engine_run_without_importing_torch():
    code = ("import sys, numpy as np\n"
            "from talkrig.engines.neural import NeuralEngine\n"
            "from talkrig.engines.base import EngineRequest\n"
            "e = NeuralEngine(device='cpu')\n"
            "out = e.animate(EngineRequest(np.zeros(16000, np.float32), 30.0,"
            " np.zeros((30, 7), np.float32)))\n"
            "assert out.shape == (30, 52)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_shipped_model_is_small_and_describes_itself(model):
    assert default_model_path().stat().st_size < 8_000_000
    assert model.info.channels == ARKIT52
    assert model.info.fps == 60 and model.info.version == "1"
    assert model.info.dims["decoder"] == "conv"
    assert 0 < model.info.lookahead_s <= 0.150


def test_long_audio_in_windows_equals_one_pass(model, speech):
    audio = np.tile(speech, 3)[: 16000 * 40]
    emotion = np.zeros((2400, 7), np.float32)
    emotion[:, 0] = np.linspace(0, 1, 2400)  # happy ramp
    one = model.curves(audio, emotion, window_s=1000.0)
    windowed = model.curves(audio, emotion, window_s=7.0)
    assert one.shape == (2400, 52)
    assert np.max(np.abs(one - windowed)) < 1e-4


@pytest.mark.parametrize("fps", [24.0, 29.97, 30.0, 60.0, 120.0])
def test_engine_returns_the_requested_frames_at_any_rate(speech, fps):
    from talkrig.engines import get_engine

    engine = get_engine("neural")
    request = EngineRequest(speech, fps, np.zeros((1, 7), np.float32))
    request = EngineRequest(speech, fps, np.zeros((request.n_frames, 7), np.float32))
    curves = engine.animate(request)
    assert curves.shape == (request.n_frames, 52) and curves.dtype == np.float32
    assert 0.0 <= curves.min() and curves.max() <= 1.0
    jaw = curves[:, ARKIT52.index("jawOpen")]
    assert jaw.max() - jaw.min() > 0.1  # the mouth moves with real speech
    assert engine.version.startswith("neural-1-")


def test_engine_output_at_30_fps_follows_the_60_fps_curves(model, speech):
    from talkrig.engines.neural import NeuralEngine

    n60 = int(np.ceil(len(speech) / 16000 * 60))
    c60 = model.curves(speech, np.zeros((n60, 7), np.float32))
    request = EngineRequest(speech, 30.0, np.zeros((n60 // 2 + 1, 7), np.float32))
    c30 = NeuralEngine(device="cpu", closure_gate="off").animate(request)
    assert np.allclose(c30[: n60 // 2], c60[0: 2 * (n60 // 2): 2], atol=1e-5)


def test_resampling_frames_is_linear_in_time():
    ramp = np.arange(10, dtype=np.float32)[:, None] / 10  # 10 frames at 10 fps
    out = resample_frames(ramp, 10.0, 20.0, 19)
    assert np.allclose(out[:, 0], np.arange(19) / 20)


@pytest.mark.parametrize("src_fps, dst_fps, n_in, n_out", [
    (50.0, 60.0, 400, 490), (60.0, 24.0, 97, 60), (30.0, 60.0, 5, 20), (50.0, 60.0, 1, 4)])
def test_resampling_all_channels_at_once_equals_interpolating_each(src_fps, dst_fps, n_in, n_out):
    values = np.random.default_rng(0).standard_normal((n_in, 64)).astype(np.float16)
    t_in, t_out = np.arange(n_in) / src_fps, np.arange(n_out) / dst_fps
    each = np.stack([np.interp(t_out, t_in, values[:, c]) for c in range(64)], 1)
    assert np.array_equal(resample_frames(values, src_fps, dst_fps, n_out),
                          each.astype(np.float32))  # bit for bit, past the end included


def test_a_missing_or_broken_model_file_is_a_one_line_error(tmp_path):
    with pytest.raises(TalkRigError, match="not found"):
        NeuralModel(tmp_path / "absent.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not onnx")
    with pytest.raises(TalkRigError, match="ONNX"):
        NeuralModel(broken)


def test_talkrig_threads_caps_the_onnxruntime_threads_of_the_shared_model(monkeypatch):
    from talkrig.runtime import THREADS_ENV, _cached_model, shared_model

    monkeypatch.setenv(THREADS_ENV, "1")
    _cached_model.cache_clear()
    try:
        options = shared_model().session.get_session_options()
        assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1
    finally:
        _cached_model.cache_clear()


def test_quiet_speech_moves_the_mouth_as_at_full_level(speech):
    from talkrig.engines.neural import NeuralEngine
    from talkrig.evaluation.metrics import aperture

    clip = speech[: 16000 * 8]
    n = int(np.ceil(len(clip) / 16000 * 60 - 1e-9))
    engine = NeuralEngine()
    loud = aperture(engine.animate(EngineRequest(clip, 60.0, np.zeros((n, 7), np.float32))))
    for peak in (0.01, 0.001):  # -40 and -60 dBFS: the model saw -30..0 dBFS in training
        quiet = clip * np.float32(peak / np.abs(clip).max())
        a = aperture(engine.animate(EngineRequest(quiet, 60.0, np.zeros((n, 7), np.float32))))
        assert np.corrcoef(a, loud)[0, 1] > 0.9 and a.mean() > 0.8 * loud.mean()


def test_a_model_written_anew_at_the_same_path_is_opened_anew(tmp_path, monkeypatch):
    import os
    import shutil

    import onnx

    from talkrig.engines.neural import NeuralEngine
    from talkrig.runtime import MODEL_ENV, default_model_path, shared_model

    path = tmp_path / "mine.onnx"  # a TD's network, retrained while Blender stays open
    shutil.copy(default_model_path(), path)
    first = NeuralEngine(path, device="cpu").version
    assert NeuralEngine(path, device="cpu").model is shared_model(path, "cpu")  # cached
    model = onnx.load(path)
    for entry in model.metadata_props:
        if entry.key == "talkrig.training_step":
            entry.value = "999999"  # the same network, another file
    onnx.save(model, path)
    later = os.stat(path).st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))  # a coarse clock must not hide the rewrite
    second = NeuralEngine(path, device="cpu")
    assert second.version != first and second.model.digest in second.version
    monkeypatch.setenv(MODEL_ENV, str(path))  # the variable, set after the first load
    assert shared_model(None, "cpu") is second.model
