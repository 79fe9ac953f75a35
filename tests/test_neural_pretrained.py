"""The optional pretrained speech encoder (wav2vec2 / HuBERT through transformers).

Nothing is downloaded: tiny randomly initialised encoders are saved to a temp dir with
``save_pretrained`` and loaded from there, as a user's local checkpoint would be.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from conftest import dev_file  # noqa: E402
from talkrig.audio import load_audio  # noqa: E402
from talkrig.errors import TalkRigError  # noqa: E402
from talkrig.model.dims import BLOCK_SAMPLES, ModelDims  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PARITY_TOLERANCE = 1e-4  # PyTorch vs onnxruntime, max abs difference (the bound)
SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
             conv_dim=(16,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2,
             vocab_size=8)
DECODER = ModelDims(channels=16, dilations=(1, 2), decoder_lookahead=2)


def save_tiny_encoder(directory: Path, kind: str = "wav2vec2", normalize: bool = False) -> Path:
    """A randomly initialised encoder saved as a transformers model directory."""
    config_class, model_class = {
        "wav2vec2": (transformers.Wav2Vec2Config, transformers.Wav2Vec2Model),
        "hubert": (transformers.HubertConfig, transformers.HubertModel),
    }[kind]
    torch.manual_seed(0)
    model_class(config_class(**SMALL)).save_pretrained(directory)
    (directory / "preprocessor_config.json").write_text(json.dumps({"do_normalize": normalize}))
    return directory


def speech(seconds: float) -> np.ndarray:
    audio = load_audio(dev_file("cold_corpus.wav")).samples
    n = int(seconds * 16000) // BLOCK_SAMPLES * BLOCK_SAMPLES
    return audio[:n]


@pytest.mark.parametrize("kind", ["wav2vec2", "hubert"])
def test_a_local_encoder_replaces_the_log_mel_front_end_with_its_own_weights(tmp_path, kind):
    from talkrig.model.network import TalkRigNet
    from talkrig.model.pretrained import load_pretrained_weights, with_pretrained_encoder

    folder = save_tiny_encoder(tmp_path / kind, kind, normalize=kind == "hubert")
    dims = with_pretrained_encoder(DECODER, folder)
    assert dims.speech_encoder == "pretrained" and not dims.bounded
    assert dims.pretrained_normalize == (kind == "hubert")
    assert json.loads(dims.pretrained_config)["model_type"] == kind
    assert dims.lookahead_s == dims.context_s == float("inf")
    net = TalkRigNet(dims)
    load_pretrained_weights(net.audio, folder)
    saved = transformers.AutoModel.from_pretrained(folder, local_files_only=True).state_dict()
    ours = net.audio.encoder.state_dict()
    assert all(torch.equal(ours[k], v) for k, v in saved.items())
    net.eval()
    for blocks in (1, 7, 41):  # 50 ms .. 2.05 s
        out = net(torch.randn(1, blocks * BLOCK_SAMPLES) * 0.1, torch.zeros(1, 3 * blocks, 7))
        assert out.shape == (1, 3 * blocks, 52) and torch.isfinite(out).all()


def test_freezing_keeps_the_encoder_fixed_and_out_of_dropout(tmp_path):
    from talkrig.model.network import TalkRigNet
    from talkrig.model.pretrained import with_pretrained_encoder

    net = TalkRigNet(with_pretrained_encoder(DECODER, save_tiny_encoder(tmp_path / "w")))
    net.audio.freeze()
    net.train()
    assert not net.audio.encoder.training and net.audio.project.training
    assert not any(p.requires_grad for p in net.audio.encoder.parameters())
    loss = net(torch.randn(1, 4 * BLOCK_SAMPLES), torch.zeros(1, 12, 7)).square().mean()
    loss.backward()
    assert net.audio.project.weight.grad is not None
    assert all(p.grad is None for p in net.audio.encoder.parameters())


def test_checkpoint_round_trip_rebuilds_the_encoder_from_the_saved_dims(tmp_path):
    from talkrig.model.checkpoint import load_checkpoint, save_checkpoint
    from talkrig.model.network import TalkRigNet
    from talkrig.model.pretrained import with_pretrained_encoder

    net = TalkRigNet(with_pretrained_encoder(DECODER, save_tiny_encoder(tmp_path / "w"))).eval()
    save_checkpoint(tmp_path / "c.pt", net, step=3)
    loaded, doc = load_checkpoint(tmp_path / "c.pt")
    assert doc["step"] == 3 and loaded.dims == net.dims
    audio, emotion = torch.randn(1, 5 * BLOCK_SAMPLES) * 0.1, torch.zeros(1, 15, 7)
    with torch.no_grad():
        assert torch.equal(loaded(audio, emotion), net(audio, emotion))


def test_onnx_export_matches_pytorch_on_real_speech_at_several_lengths(tmp_path):
    pytest.importorskip("onnxscript")
    from talkrig.model.network import ClampedNet, TalkRigNet
    from talkrig.model.pretrained import with_pretrained_encoder
    from talkrig.runtime import NeuralModel
    from training.export_onnx import export

    folder = save_tiny_encoder(tmp_path / "w", normalize=True)
    net = TalkRigNet(with_pretrained_encoder(DECODER, folder)).eval()
    path = export(net, tmp_path / "pre.onnx")
    model = NeuralModel(path, device="cpu")
    assert model.info.lookahead_s == float("inf")
    for seconds in (0.4, 2.0, 6.45):
        audio = speech(seconds)
        emotion = np.zeros((len(audio) // BLOCK_SAMPLES * 3, 7), np.float32)
        emotion[:, 0] = 0.7  # happy
        with torch.no_grad():
            ref = ClampedNet(net)(torch.from_numpy(audio)[None], torch.from_numpy(emotion)[None])
        got = model.curves(audio, emotion, window_s=1.0)  # no windowing: one pass
        assert np.max(np.abs(got - ref[0].numpy())) <= PARITY_TOLERANCE


def test_streaming_refuses_a_model_that_sees_the_whole_clip(tmp_path):
    pytest.importorskip("onnxscript")
    from talkrig.model.network import TalkRigNet
    from talkrig.model.pretrained import with_pretrained_encoder
    from talkrig.runtime import NeuralModel
    from talkrig.streaming import NeuralStream
    from training.export_onnx import export

    net = TalkRigNet(with_pretrained_encoder(DECODER, save_tiny_encoder(tmp_path / "w"))).eval()
    model = NeuralModel(export(net, tmp_path / "pre.onnx"), device="cpu")
    with pytest.raises(TalkRigError, match="bounded lookahead"):
        NeuralStream(model)


def test_a_folder_that_is_not_a_saved_speech_model_is_a_one_line_error(tmp_path):
    from talkrig.model.pretrained import with_pretrained_encoder

    with pytest.raises(TalkRigError, match="no config.json") as missing:
        with_pretrained_encoder(DECODER, tmp_path)
    assert str(tmp_path) in str(missing.value) and "\n" not in str(missing.value)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(TalkRigError, match="does not describe a speech encoder"):
        with_pretrained_encoder(DECODER, tmp_path)
