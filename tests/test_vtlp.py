"""Vocal tract length perturbation of the log-mel front end (training.vtlp)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from conftest import REPO, dev_file

torch = pytest.importorskip("torch")

from talkrig.model.dims import ModelDims  # noqa: E402
from talkrig.model.melspec import LOG_OFFSET, LOG_SCALE, mel_filters  # noqa: E402
from talkrig.model.network import TalkRigNet  # noqa: E402
from training.vtlp import warp_frequencies, warped_filters, warped_front_end  # noqa: E402

ALPHAS = (0.85, 1.0, 1.2)


def band_centres_hz(dims: ModelDims) -> np.ndarray:
    """The frequency each plain mel band peaks at, shape (n_mels,)."""
    bins = np.linspace(0, 8000, dims.n_fft // 2 + 1)
    return bins[mel_filters(dims.n_fft, dims.n_mels, dims.f_min, dims.f_max).argmax(1)]


def test_the_warp_scales_low_frequencies_and_keeps_the_band_edges():
    freqs = np.array([0.0, 500.0, 2000.0, 4000.0, 8000.0])
    for alpha in ALPHAS:
        warped = warp_frequencies(freqs, alpha)
        np.testing.assert_allclose(warped[:4], alpha * freqs[:4])  # under the knee
        assert warped[-1] == 8000.0 and np.all(np.diff(warp_frequencies(
            np.linspace(0, 8000, 201), alpha)) > 0)  # monotonic, Nyquist kept
        floored = warp_frequencies(np.array([0.0, 20.0, 40.0, 1040.0]), alpha, 40.0)
        np.testing.assert_allclose(floored, [0.0, 20.0, 40.0, 40.0 + 1000 * alpha])
    dims = ModelDims()
    plain = mel_filters(dims.n_fft, dims.n_mels, dims.f_min, dims.f_max)
    np.testing.assert_array_equal(warped_filters(dims, 1.0), plain)


def test_a_tone_lands_in_the_band_of_alpha_times_its_frequency():
    dims = ModelDims()
    net = TalkRigNet(dims)
    plain = net.audio.logmel.filters
    t = np.arange(16_000) / 16_000
    tone = torch.from_numpy(np.tile(np.sin(2 * np.pi * 1000 * t), (3, 1)).astype(np.float32))
    with warped_front_end(net, np.array(ALPHAS)):
        mel = net.audio.logmel(tone)[:, :, 50]  # (3, n_mels), one frame mid-tone
    peaks = band_centres_hz(dims)[mel.argmax(1).numpy()]
    for alpha, peak in zip(ALPHAS, peaks):
        assert abs(peak - 1000 * alpha) < 60, (alpha, peak)  # bands are ~40-60 Hz apart here
    assert net.audio.logmel.filters is plain  # the plain filterbank is back


def test_each_row_gets_its_own_factor_in_order_when_factors_repeat():
    dims = ModelDims()
    net = TalkRigNet(dims)
    alphas = np.array([1.2, 0.85, 1.2, 1.0])  # a clip's two emotion rows share a factor
    with warped_front_end(net, alphas):
        rows = net.audio.logmel.filters.numpy()  # (4, n_mels, bins)
    for row, alpha in zip(rows, alphas):
        np.testing.assert_array_equal(row, warped_filters(dims, alpha).astype(row.dtype))


def test_a_real_voice_reads_higher_with_a_shorter_vocal_tract_and_the_filters_come_back():
    from talkrig.audio import load_audio

    audio = load_audio(dev_file("cold_corpus.wav")).samples[: 16_000 * 8]
    dims = ModelDims()
    net = TalkRigNet(dims)
    plain = net.audio.logmel.filters
    batch = torch.from_numpy(np.tile(audio, (3, 1)).astype(np.float32))
    with warped_front_end(net, np.array(ALPHAS)):
        mel = torch.exp(net.audio.logmel(batch) * LOG_SCALE - LOG_OFFSET)  # band power
    power = mel.mean(-1).numpy()  # (3, n_mels): the voice's long-term spectrum
    centroid = (power * band_centres_hz(dims)).sum(1) / power.sum(1)
    assert centroid[0] < centroid[1] < centroid[2]  # 0.85, 1.0, 1.2
    assert 0.8 < centroid[0] / centroid[1] < 0.97 and 1.03 < centroid[2] / centroid[1] < 1.25
    with pytest.raises(RuntimeError, match="inside"):
        with warped_front_end(net, np.array(ALPHAS)):
            raise RuntimeError("inside")
    assert net.audio.logmel.filters is plain


def test_a_vtlp_range_must_be_low_high_and_only_the_log_mel_trainer_reads_it(tmp_path):
    from training.config import load_config
    from training.train_whisper_head import load_head_config

    config = tmp_path / "vtlp.toml"
    config.write_text("[train]\nvtlp = [0.85, 1.2]\n", "utf-8")
    assert load_config(config)[1].vtlp == (0.85, 1.2)
    for wrong in ("[1.2, 0.85]", "[0.9]", "[0.0, 1.1]"):
        config.write_text(f"[train]\nvtlp = {wrong}\n", "utf-8")
        with pytest.raises(ValueError, match=r"vtlp.toml: vtlp must be \[low, high\]"):
            load_config(config)
    config.write_text('[model]\nencoder = "whisper-base"\n[train]\nvtlp = [0.9, 1.1]\n', "utf-8")
    with pytest.raises(ValueError, match=r"does not use.*vtlp"):
        load_head_config(config)


@pytest.mark.skipif(shutil.which("flite") is None, reason="flite (Debian package) not installed")
def test_training_with_vtlp_warps_its_steps_and_saves_the_plain_filterbank(tmp_path):
    from talkrig.model.checkpoint import load_checkpoint
    from training.build_corpus import main as build
    from training.train import train

    assert build(["--out", str(tmp_path / "corpus"), "--count", "3", "--seed", "3"]) == 0
    tiny = (REPO / "training" / "configs" / "tiny.toml").read_text("utf-8")
    (tmp_path / "plain.toml").write_text(tiny, "utf-8")
    (tmp_path / "vtlp.toml").write_text(tiny + "vtlp = [0.85, 1.2]\n", "utf-8")
    runs = {name: train(tmp_path / f"{name}.toml", tmp_path / name, steps=2,
                        corpus=[tmp_path / "corpus"]) for name in ("plain", "vtlp")}
    assert runs["vtlp"]["step"] == 2 and np.isfinite(runs["vtlp"]["val_l1"])
    # the same seed, crops and validation: only the warped steps make the weights differ
    assert runs["vtlp"]["val_l1"] != runs["plain"]["val_l1"]
    net, _ = load_checkpoint(tmp_path / "vtlp" / "last.pt")
    dims = net.dims
    plain = mel_filters(dims.n_fft, dims.n_mels, dims.f_min, dims.f_max)
    np.testing.assert_array_equal(net.audio.logmel.filters.numpy(), plain)
