"""The photometric tracker recovers pose and shape weights of a synthetic head video.

Ground truth: the ICT head rendered by our rasterizer with a known smooth albedo,
known poses and known jawOpen / mouthSmileLeft weights. (Same renderer for
synthesis and analysis: this checks the optimisation, not robustness to a
different image formation model; see docs/render.md.)
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from talkrig.render.head import load_head  # noqa: E402
from talkrig.render.track import HeadTensors, TrackOptions, fit, render_albedo  # noqa: E402

SIZE = 64
N_FRAMES = 6


def _albedo(n=64):
    u, v = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    return np.stack([0.5 + 0.4 * np.sin(6 * u) * np.cos(5 * v), 0.5 + 0.3 * np.cos(7 * v),
                     0.4 + 0.3 * u]).astype(np.float32)


@pytest.fixture(scope="module")
def synthetic():
    torch.set_num_threads(1)
    head = load_head()
    ht = HeadTensors(head)
    names = head.shape_names
    w = np.zeros((N_FRAMES, len(names)), np.float32)
    w[:, names.index("jawOpen")] = np.linspace(0.0, 0.8, N_FRAMES)
    pose = np.tile(np.array(TrackOptions().init_pose, np.float32), (N_FRAMES, 1))
    pose[:, 1] = np.linspace(-0.12, 0.12, N_FRAMES)  # yaw sweep, about +-7 degrees
    pose[:, 0] = np.linspace(0.05, -0.05, N_FRAMES)
    tex = torch.from_numpy(_albedo())
    with torch.no_grad():
        frames = np.stack([
            (render_albedo(ht, torch.from_numpy(pose[t]), torch.from_numpy(w[t]), tex,
                           torch.zeros(3), SIZE, 34.0).permute(1, 2, 0).numpy() * 255)
            .round().astype(np.uint8) for t in range(N_FRAMES)])
    track = fit(frames, head, TrackOptions(key_iters=60, frame_iters=30))
    return head, pose, w, track


def test_tracked_head_angles_are_within_three_degrees(synthetic):
    _, pose, _, track = synthetic
    err_deg = np.degrees(np.abs(track.pose[:, :3] - pose[:, :3])).mean(0)
    print("mean abs angle error (deg) x/y/z:", err_deg.round(2))
    assert np.all(err_deg < 3.0)


def test_tracked_jaw_opening_rises_with_the_true_one(synthetic):
    head, _, w, track = synthetic
    j = head.shape_names.index("jawOpen")
    print("jawOpen true", w[:, j].round(2), "tracked", track.weights[:, j].round(2))
    assert np.corrcoef(w[:, j], track.weights[:, j])[0, 1] > 0.8
    assert track.weights[-1, j] > 0.2


def test_photometric_error_after_tracking_is_small(synthetic):
    *_, track = synthetic
    assert np.all(track.loss < 0.05)
