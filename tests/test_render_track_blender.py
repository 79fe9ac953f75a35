"""The tracker recovers pose and expression from a head rendered by Blender, not by itself.

Ground truth: ``training/render_track_truth.py`` renders the ICT demo head with a
procedural skin, Workbench studio lighting and an orthographic camera (a different
image formation from the tracker's albedo-only rasterizer) at 192 px, under known
ARKit weights and a known head rotation; ``bench/track_truth.py`` area-averages the
frames to 64 px and compares the track with the truth. Bounds are the figures measured
when this test was written (24 frames, default TrackOptions; listed beside each bound)
with a margin; the expressions the tracker does not recover yet are an expected
failure that documents the gap (docs/render.md, Evidence). With landmarks (the
``avatar train`` default) about 35 s on one CPU thread; the photometric-only run is
in the slow tier.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from bench.track_truth import (RENDER_SIZE, downsample, landmark_truth_error,  # noqa: E402
                               mapping_error_px, render_truth, table, track_truth,
                               tracked_angles_deg)
from talkrig.render.head import load_head  # noqa: E402
from talkrig.render.track import TrackOptions  # noqa: E402
from training.render_track_truth import tracker_pose  # noqa: E402

BLENDER = pytest.mark.blender

N_FRAMES = 24
SIZE = 64
MAPPING_TOL_PX = 0.01  # Blender's projection vs camera.py's: the same map, to rounding
DETECTOR_MAX_PX, DETECTOR_MAX_NME = 5.5, 0.065  # measured 3.79 px at 192 px, NME 0.045
# Per mode: mean absolute angle error bounds (deg), jawOpen correlation / gain range /
# MAE, |log scale| error, photometric L1, mean weight of any channel the truth leaves at 0.
BOUNDS = {
    "landmarks": {"angles": {"yaw": 3.5, "pitch": 4.0, "roll": 2.0},  # 2.54, 2.95, 1.42
                  "jaw": (0.9, (0.5, 1.3), 0.2),  # 0.99, 0.79, 0.113
                  "scale": 0.1, "photo": 0.07, "spurious": 0.35},  # 0.031, 0.041, 0.223
    "photo": {"angles": {"yaw": 6.0, "pitch": 3.5, "roll": 1.5},  # 4.66, 2.06, 0.73
              "jaw": (0.9, (0.4, 1.3), 0.25),  # 0.97, 0.72, 0.156
              "scale": 0.3, "photo": 0.08, "spurious": 0.1},  # 0.191, 0.054, 0.038
}
SMALL_EXPRESSIONS = ("mouthSmileLeft", "mouthSmileRight", "mouthFunnel", "browInnerUp",
                     "eyeBlinkLeft", "eyeBlinkRight")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    pytest.importorskip("bpy")  # the render runs in a child process of this interpreter
    pytest.importorskip("onnxruntime")  # the landmark network
    from talkrig.render.landmarks import detect
    torch.set_num_threads(1)
    big, truth = render_truth(tmp_path_factory.mktemp("truth"), N_FRAMES, RENDER_SIZE)
    return big, downsample(big, SIZE), truth, detect(big)[0], load_head()


def _track(rendered, with_landmarks: bool):
    big, clip, truth, points, head = rendered
    _, result = track_truth(clip, truth, head, TrackOptions(size=SIZE),
                            points if with_landmarks else None)
    print(table(result, truth))
    return result


@pytest.fixture(scope="module")
def landmarked(rendered):
    return _track(rendered, True)


@pytest.fixture(scope="module")
def photometric(rendered):
    return _track(rendered, False)


def test_truth_angles_use_the_tracked_takes_head_pose_convention():
    from scipy.spatial.transform import Rotation
    rotvec = np.random.default_rng(0).normal(scale=0.3, size=(20, 3))
    pose = np.concatenate([rotvec, np.zeros((20, 3))], 1)
    take_deg = np.degrees(Rotation.from_rotvec(rotvec).as_euler("YXZ"))  # as train._write_take
    assert np.allclose(tracked_angles_deg(pose), take_deg, atol=1e-9)
    angles = np.random.default_rng(1).uniform(-20, 20, (20, 3))
    assert np.allclose(tracked_angles_deg(tracker_pose(angles)), angles, atol=1e-9)


def test_positive_yaw_pitch_roll_turn_the_face_right_down_and_tilt_it_left():
    from talkrig.render.camera import project
    head = load_head()
    nose = head.vertices[np.argmax(head.vertices[:, 2])]  # the front-most point
    crown = head.vertices[np.argmax(head.vertices[:, 1])]
    points = torch.from_numpy(np.stack([nose, crown]))

    def pixels(yaw, pitch, roll):
        pose = torch.from_numpy(tracker_pose(np.array([[yaw, pitch, roll]]))[0]).float()
        return project(points, pose, SIZE, 34.0)[0].numpy()
    rest = pixels(0, 0, 0)
    assert pixels(10, 0, 0)[0, 0] > rest[0, 0] + 1  # nose to the image right
    assert pixels(0, 10, 0)[0, 1] > rest[0, 1] + 1  # nose down (rows grow downward)
    assert pixels(0, 0, 10)[1, 0] < rest[1, 0] - 1  # crown to the image left


@BLENDER
def test_blender_and_the_tracker_camera_project_the_truth_to_the_same_pixels(rendered):
    assert mapping_error_px(rendered[2]) < MAPPING_TOL_PX


@BLENDER
def test_the_blender_frames_show_a_textured_head_over_the_background(rendered):
    big, clip, *_ = rendered
    assert big.shape == (N_FRAMES, RENDER_SIZE, RENDER_SIZE, 3)
    assert clip.shape == (N_FRAMES, SIZE, SIZE, 3)
    centre = clip[:, SIZE // 4: 3 * SIZE // 4, SIZE // 4: 3 * SIZE // 4].astype(float)
    assert np.abs(centre - clip[:, :2, :2].mean((1, 2), keepdims=True)).mean() > 20
    assert centre.std(axis=(1, 2)).mean() > 10  # features and shading, not a flat shape


@BLENDER
def test_the_landmark_detector_finds_the_rendered_face_near_its_true_vertices(rendered):
    _, _, truth, points, head = rendered
    assert np.isfinite(points).all()  # a face in every frame
    px, nme = landmark_truth_error(truth, points, head)
    assert px < DETECTOR_MAX_PX and nme < DETECTOR_MAX_NME, (px, nme)


def _check(result, bounds):
    for angle, bound in bounds["angles"].items():
        assert result.angle_mae_deg[angle] < bound, (angle, result.angle_mae_deg)
    min_corr, (gain_lo, gain_hi), max_mae = bounds["jaw"]
    assert result.corr["jawOpen"] > min_corr
    assert gain_lo < result.gain["jawOpen"] < gain_hi
    assert result.mae["jawOpen"] < max_mae
    assert result.framing_error[0] < bounds["scale"]
    assert result.photo < bounds["photo"]
    assert result.spurious[1] < bounds["spurious"], result.spurious


@BLENDER
def test_with_landmarks_pose_jaw_and_head_size_are_recovered_within_bounds(landmarked):
    _check(landmarked, BOUNDS["landmarks"])


@BLENDER
@pytest.mark.slow
def test_photometric_only_pose_and_jaw_are_recovered_within_bounds(photometric):
    _check(photometric, BOUNDS["photo"])


@BLENDER
@pytest.mark.xfail(reason="at 64 px the tracker leaves smile, funnel, brow and blink weights "
                          "near zero or uncorrelated (docs/render.md, Evidence)", strict=False)
def test_with_landmarks_smaller_expressions_are_recovered_too(landmarked):
    for channel in SMALL_EXPRESSIONS:
        assert landmarked.corr[channel] > 0.5 and landmarked.gain[channel] > 0.3, channel
