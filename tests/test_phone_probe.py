"""The phone read-out that can train beside a Whisper head (training.phone_probe)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from talkrig.phones import Phone


def test_frames_take_the_phone_spoken_at_their_time_and_silence_elsewhere():
    from training.phone_probe import PHONES, frame_phones

    phones = [Phone("P", 0.10, 0.20), Phone("AA", 0.20, 0.35), Phone("SIL", 0.35, 0.40),
              Phone("QQ", 0.40, 0.45)]  # a label outside the classes counts as silence
    labels = frame_phones(phones, 30, fps=20.0)  # frames at 0, 0.05, ..., 1.45 s
    named = [PHONES[i] for i in labels]
    assert named[:2] == ["SIL", "SIL"]
    assert named[2:4] == ["P", "P"] and named[4:7] == ["AA"] * 3
    assert set(named[7:]) == {"SIL"}
    assert (frame_phones(phones, 5, fps=20.0, first=3) == labels[3:8]).all()  # a crop
    assert len(PHONES) == 41 and len(set(PHONES)) == 41  # 39 CMU phones, schwa, silence


def test_the_tap_reads_the_heads_last_hidden_layer_and_the_loss_is_cross_entropy():
    torch = pytest.importorskip("torch")
    from talkrig.model.dims import WhisperHeadDims
    from talkrig.model.whisper_head import WhisperHead
    from training.phone_probe import PHONES, HiddenTap, make_probe, phone_loss

    dims = WhisperHeadDims(channels=8, dilations=(1, 2))
    head = WhisperHead(dims)
    tap = HiddenTap(head.out)
    head(torch.randn(2, 15, dims.features), torch.zeros(2, 15, 7))
    assert tap.features.shape == (2, 8, 15)
    probe = make_probe(dims.channels)
    torch.nn.init.zeros_(probe.weight)
    torch.nn.init.zeros_(probe.bias)  # uniform over the classes: the loss is log(41)
    labels = torch.from_numpy(np.zeros((2, 15), np.int64))
    assert float(phone_loss(probe, tap.features, labels)) == pytest.approx(math.log(len(PHONES)))
    with torch.no_grad():
        probe.bias[0] = 10.0  # sure of class 0, which every frame is: the loss falls near 0
    sure = math.log(1.0 + (len(PHONES) - 1) * math.exp(-10.0))
    assert float(phone_loss(probe, tap.features, labels)) == pytest.approx(sure, abs=1e-5)  # float32
    tap.remove()
    tap.features = None
    head(torch.randn(1, 4, dims.features), torch.zeros(1, 4, 7))
    assert tap.features is None  # removed: the hook no longer runs
