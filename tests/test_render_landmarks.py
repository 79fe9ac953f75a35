"""Face landmarks for the tracker: the shipped MediaPipe network (ONNX), its map onto the
ICT head, and tracking with both.

The images are the ICT head rendered by our rasterizer with Lambert shading and skin /
lip / eye colours (``training/build_landmark_map.py``), in poses and expressions the map
was not built from; the landmark network itself is MediaPipe's, trained on real faces,
so it is an independent judge of where the face's points are.
"""

import json
from importlib import resources

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from talkrig.render.head import load_head  # noqa: E402
from talkrig.render.landmarks import INPUT_SIZE, detect, load_map, map_for  # noqa: E402
from talkrig.render.track import TrackOptions, fit  # noqa: E402
from training.build_landmark_map import FACE_OVAL, shaded_render  # noqa: E402

LIP_INNER_UPPER, LIP_INNER_LOWER = 13, 14  # MediaPipe face-mesh indices


@pytest.fixture(scope="module")
def head():
    torch.set_num_threads(1)
    return load_head()


def _weights(head, **values):
    w = np.zeros(len(head.shape_names), np.float32)
    for name, v in values.items():
        w[head.shape_names.index(name)] = v
    return w


def _render(head, weights, rotation):
    img, _, xy = shaded_render(head, weights, rotation)
    return (img * 255).round().astype(np.uint8), xy


def test_the_mapped_vertices_land_within_three_pixels_of_the_detected_points(head):
    mapping = load_map()
    cases = [(_weights(head, jawOpen=0.15, mouthSmileLeft=0.6, mouthSmileRight=0.6), (0.0, -0.1, 0.05)),
             (_weights(head, mouthPucker=0.8), (0.05, 0.08, 0.0))]
    for weights, rotation in cases:
        img, xy = _render(head, weights, rotation)
        points, score = detect(img[None])
        assert score[0] > 5.0  # a confident face
        err = np.linalg.norm(xy[mapping.vertices] - points[0, mapping.points], axis=1)
        print(f"mean {err.mean():.2f} px, lips {err[mapping.groups['lips']].mean():.2f} px")
        assert err.mean() < 3.0 and err[mapping.groups["lips"]].mean() < 3.5


def test_the_detected_lip_gap_grows_with_the_jaw(head):
    gaps = []
    for jaw in (0.0, 0.3, 0.6):
        img, _ = _render(head, _weights(head, jawOpen=jaw), (0.0, 0.0, 0.0))
        points, _ = detect(img[None])
        gaps.append(float(np.linalg.norm(points[0, LIP_INNER_UPPER] - points[0, LIP_INNER_LOWER])))
    print("inner-lip gap (px at 192):", np.round(gaps, 1))
    assert gaps[0] < 4.0 and gaps[1] > gaps[0] + 4.0 and gaps[2] > gaps[1] + 4.0


def test_the_map_skips_the_face_oval_and_fits_the_shipped_head(head):
    mapping = load_map()
    assert map_for(head) is mapping
    assert not set(mapping.points.tolist()) & FACE_OVAL
    assert mapping.vertices.max() < len(head.vertices)
    assert all(mapping.groups[g].sum() >= 8 for g in ("lips", "eyes", "brows", "nose"))


def test_crops_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="192"):
        detect(np.zeros((1, 128, 128, 3), np.uint8))


def test_the_converted_network_names_its_source_and_licence():
    import onnxruntime as ort
    models = resources.files("talkrig") / "models"
    with resources.as_file(models / "face_landmark.onnx") as path:
        meta = ort.InferenceSession(str(path)).get_modelmeta().custom_metadata_map
    assert "MediaPipe" in meta["source"] and "Apache-2.0" in meta["licence"]
    assert "Apache License" in (models / "LICENSE-mediapipe").read_text()
    doc = json.loads((resources.files("talkrig.rigdata") / "ict_mediapipe_landmarks.json").read_text())
    assert doc["schema"] == "talkrig.landmark_map/1"


def _jaw_sweep_track(head, **options):
    """8 frames, 64 px, jawOpen 0 -> 0.8 under a yaw sweep, frame 3 without landmarks."""
    n, size = 8, 64
    names = head.shape_names
    w = np.zeros((n, len(names)), np.float32)
    w[:, names.index("jawOpen")] = np.linspace(0.0, 0.8, n)
    rot = np.stack([np.linspace(0.05, -0.05, n), np.linspace(-0.12, 0.12, n), np.zeros(n)], 1)
    big = np.stack([_render(head, w[t], tuple(rot[t]))[0] for t in range(n)])
    points, _ = detect(big)
    points[3] = np.nan  # a frame where the detector found no face: colour only there
    small = big.reshape(n, size, INPUT_SIZE // size, size, INPUT_SIZE // size, 3).mean((2, 4))
    track = fit(small.round().astype(np.uint8), head,
                TrackOptions(size=size, key_iters=60, frame_iters=30, **options),
                landmarks=points * (size / INPUT_SIZE))
    jaw = track.weights[:, names.index("jawOpen")]
    angle_err = np.degrees(np.abs(track.pose[:, :3] - rot)).mean(0)
    print("jawOpen tracked", jaw.round(2), "angle error (deg)", angle_err.round(2),
          "landmark px", track.landmark_px.round(2), "identity max (cm)",
          np.abs(track.identity).max().round(2))
    return track, jaw, w[:, names.index("jawOpen")], angle_err


def test_tracking_with_landmarks_recovers_the_jaw_amplitude(head):
    """Colour alone tracks 0.58 at the end (docs/render.md); landmarks 0.67."""
    track, jaw, true_jaw, angle_err = _jaw_sweep_track(head)
    assert np.corrcoef(jaw, true_jaw)[0, 1] > 0.95
    assert abs(jaw[-1] - 0.8) < 0.2
    assert np.abs(jaw - true_jaw).mean() < 0.1
    assert np.all(angle_err < 3.0)
    assert np.isnan(track.landmark_px[3]) and np.nanmax(track.landmark_px) < 1.5
    assert not np.any(track.identity)  # identity fit is off by default


def test_the_identity_fit_leaves_the_generic_head_nearly_alone(head):
    """The rendered head is the generic one, so its true identity offset is zero."""
    track, jaw, true_jaw, _ = _jaw_sweep_track(head, fit_identity=True)
    assert 0 < np.abs(track.identity).max() < 0.6  # cm
    assert np.corrcoef(jaw, true_jaw)[0, 1] > 0.95 and abs(jaw[-1] - 0.8) < 0.25
