"""Averaging the weights of a run's checkpoints (training.average_checkpoints)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO

torch = pytest.importorskip("torch")

from talkrig.model.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from talkrig.model.dims import ModelDims  # noqa: E402
from talkrig.model.network import TalkRigNet  # noqa: E402
from training.average_checkpoints import AverageError, average_checkpoints  # noqa: E402

TINY = ModelDims(channels=16, n_mels=16, frontend_layers=1, dilations=(1, 2, 4),
                 decoder_lookahead=2)


def tiny_checkpoint(path, seed: int, step: int, dims: ModelDims = TINY):
    torch.manual_seed(seed)
    net = TalkRigNet(dims)
    save_checkpoint(path, net, step=step, extra={"config": {"seed": seed}})
    return net


def test_the_average_is_the_mean_of_every_weight_and_it_runs(tmp_path):
    nets = [tiny_checkpoint(tmp_path / f"step_{s}.pt", seed=s, step=s) for s in (1, 2, 3)]
    paths = [tmp_path / f"step_{s}.pt" for s in (1, 2, 3)]
    average_checkpoints(paths, tmp_path / "avg.pt")
    avg, doc = load_checkpoint(tmp_path / "avg.pt")
    states = [net.state_dict() for net in nets]
    floats = [k for k, v in states[0].items() if v.is_floating_point()]
    assert floats and not torch.equal(states[0][floats[-1]], states[1][floats[-1]])
    for key in floats:
        expected = (states[0][key] + states[1][key] + states[2][key]) / 3
        torch.testing.assert_close(avg.state_dict()[key], expected, atol=1e-6, rtol=0)
    assert doc["step"] == 3 and "optimizer" not in doc
    assert [s["step"] for s in doc["extra"]["averaged_from"]] == [1, 2, 3]
    assert doc["extra"]["config"] == {"seed": 1}
    audio = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 16_000))
                             .astype(np.float32) * 0.1)
    emotion = torch.zeros(1, 60, 7)
    with torch.no_grad():
        curves = avg(audio, emotion)
    assert torch.isfinite(curves).all()


def test_checkpoints_of_different_networks_are_refused_naming_the_file(tmp_path):
    tiny_checkpoint(tmp_path / "a.pt", seed=1, step=1)
    wider = ModelDims(channels=24, n_mels=16, frontend_layers=1, dilations=(1, 2, 4),
                      decoder_lookahead=2)
    tiny_checkpoint(tmp_path / "b.pt", seed=2, step=2, dims=wider)
    with pytest.raises(AverageError, match="b.pt"):
        average_checkpoints([tmp_path / "a.pt", tmp_path / "b.pt"], tmp_path / "avg.pt")
    assert not (tmp_path / "avg.pt").exists()


def test_the_command_refuses_an_existing_output_in_one_line(tmp_path):
    for s in (1, 2):
        tiny_checkpoint(tmp_path / f"{s}.pt", seed=s, step=s)
    out = tmp_path / "avg.pt"
    out.write_bytes(b"a user's file")
    cmd = [sys.executable, "-m", "training.average_checkpoints", str(out),
           str(tmp_path / "1.pt"), str(tmp_path / "2.pt")]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "exists" in done.stderr
    assert "Traceback" not in done.stderr and out.read_bytes() == b"a user's file"
    done = subprocess.run(cmd + ["--force"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert load_checkpoint(out)[1]["step"] == 2
