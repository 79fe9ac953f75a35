"""The tracker recovers pose and expression from a head rendered by Blender, not by itself.

Ground truth: ``training/render_track_truth.py`` renders the ICT demo head with a
procedural skin, Workbench studio lighting and an orthographic camera (a different
image formation from the tracker's albedo-only rasterizer), under known ARKit
weights and a known head rotation. Bounds are the figures the tracker reached when
this test was written (docs/render.md, Evidence: 24 frames, 64 px, default
TrackOptions: pitch 2.1, yaw 4.2, roll 0.6 deg; jawOpen correlation 0.98, gain 0.66)
with a margin; the channels it does not recover yet are an expected failure that
documents the gap. About 30 s on one CPU thread.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("bpy")  # the render runs in a child process of this interpreter
torch = pytest.importorskip("torch")

from bench.track_truth import evaluate, mapping_error_px, render_truth, table  # noqa: E402
from talkrig.render.head import load_head  # noqa: E402
from talkrig.render.track import TrackOptions, fit  # noqa: E402

pytestmark = [pytest.mark.blender]

N_FRAMES = 24
SIZE = 64
MAPPING_TOL_PX = 0.01  # Blender's projection vs camera.py's: the same map, to rounding
ANGLE_BOUND_DEG = {"pitch": 3.5, "yaw": 6.0, "roll": 1.5}  # mean absolute error
JAW_MIN_CORR, JAW_GAIN_RANGE, JAW_MAX_MAE = 0.9, (0.4, 1.3), 0.25
MAX_CHANNEL_MAE = 0.5  # no channel's error exceeds half the weight range
MAX_SPURIOUS = 0.1  # mean weight of any channel the truth leaves at zero
MAX_SCALE_ERROR = 0.3  # mean |log scale| error (the head's size in the image)
MAX_PHOTO_L1 = 0.08
UNRECOVERED = ("mouthSmileLeft", "mouthSmileRight", "mouthFunnel", "browInnerUp",
               "eyeBlinkLeft", "eyeBlinkRight")


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    torch.set_num_threads(1)
    clip, truth = render_truth(tmp_path_factory.mktemp("truth"), N_FRAMES, SIZE)
    head = load_head()
    track = fit(clip, head, TrackOptions(size=SIZE))
    result = evaluate(truth, track.pose, track.weights, head.shape_names,
                      float(track.loss.mean()))
    print(table(result, truth))
    return clip, truth, result


def test_blender_and_the_tracker_camera_project_the_truth_to_the_same_pixels(tracked):
    _, truth, _ = tracked
    assert mapping_error_px(truth) < MAPPING_TOL_PX


def test_the_blender_frames_show_a_textured_head_over_the_background(tracked):
    clip, _, _ = tracked
    assert clip.shape == (N_FRAMES, SIZE, SIZE, 3)
    centre = clip[:, SIZE // 4: 3 * SIZE // 4, SIZE // 4: 3 * SIZE // 4].astype(float)
    assert np.abs(centre - clip[:, :2, :2].mean((1, 2), keepdims=True)).mean() > 20
    assert centre.std(axis=(1, 2)).mean() > 10  # features and shading, not a flat shape


def test_each_tracked_head_angle_stays_within_its_bound(tracked):
    _, _, result = tracked
    for angle, bound in ANGLE_BOUND_DEG.items():
        assert result.angle_mae_deg[angle] < bound, (angle, result.angle_mae_deg)


def test_tracked_jaw_opening_follows_the_true_one(tracked):
    _, _, result = tracked
    assert result.corr["jawOpen"] > JAW_MIN_CORR
    assert JAW_GAIN_RANGE[0] < result.gain["jawOpen"] < JAW_GAIN_RANGE[1]
    assert result.mae["jawOpen"] < JAW_MAX_MAE


def test_no_channel_is_off_by_more_than_half_its_range_and_the_fit_is_close(tracked):
    _, _, result = tracked
    assert max(result.mae.values()) < MAX_CHANNEL_MAE
    assert result.spurious[1] < MAX_SPURIOUS, result.spurious
    assert result.framing_error[0] < MAX_SCALE_ERROR
    assert result.photo < MAX_PHOTO_L1


@pytest.mark.xfail(reason="photometric-only tracking at 64 px leaves smile, funnel, brow and "
                          "blink weights near zero (docs/render.md, Evidence)", strict=False)
def test_smaller_expressions_are_recovered_too(tracked):
    _, _, result = tracked
    for channel in UNRECOVERED:
        assert result.corr[channel] > 0.5 and result.gain[channel] > 0.3, channel
