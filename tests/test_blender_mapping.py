"""Pure parts of the Blender add-on (no bpy): name mapping, keyframe arrays, demo asset."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "blender_addon"))

from talkrig.emotion import EMOTION_AXES  # noqa: E402
from talkrig.errors import TalkRigError  # noqa: E402
from talkrig.rigs import ARKIT52, load_rig_json  # noqa: E402
from talkrig_blender import keyframes, mapping  # noqa: E402
from talkrig_blender.demo_head_data import load_demo_head  # noqa: E402


@pytest.mark.parametrize("key, channel", [
    ("jawOpen", "jawOpen"),
    ("eyeBlink_L", "eyeBlinkLeft"),
    ("EyeBlinkRight", "eyeBlinkRight"),
    ("mouthSmile_R", "mouthSmileRight"),
    ("browInnerUp_L", "browInnerUp"),
    ("CTRL_expressions_eyeBlinkL", "eyeBlinkLeft"),
    ("blendShape.jawOpen", "jawOpen"),
], ids=lambda v: v)
def test_shape_key_spellings_map_to_arkit_channels(key, channel):
    found = mapping.auto_map(["Basis", key], ARKIT52)
    assert found.pairs == ((key, channel),)


def test_unmatched_shape_keys_and_unused_channels_are_reported():
    found = mapping.auto_map(["Basis", "jawOpen", "Wrinkles", "Smile_big"], ARKIT52)
    assert found.pairs == (("jawOpen", "jawOpen"),)
    assert found.unmapped_targets == ("Wrinkles", "Smile_big")
    assert len(found.unused_channels) == 51
    assert found.summary() == "mapped 1 shape keys, 2 unmapped; 51 take channels unused"


def test_metahuman_named_keys_match_metahuman_take_channels_exactly():
    channels = tuple(load_rig_json("metahuman")["channels"])
    key = channels[0].replace("CTRL_expressions_", "")
    found = mapping.auto_map(["Basis", key, channels[1]], channels, "metahuman")
    assert dict(found.pairs) == {key: channels[0], channels[1]: channels[1]}


def test_flame_profile_maps_exp_keys_by_number_to_one_based_channels():
    channels = tuple(load_rig_json("flame")["channels"])
    found = mapping.auto_map(["Basis", "Exp1", "Exp10", "Exp50", "Exp51"], channels, "flame")
    assert dict(found.pairs) == {"Exp1": "exp01", "Exp10": "exp10", "Exp50": "exp50"}
    assert found.unmapped_targets == ("Exp51",)
    zero_based = mapping.auto_map(["Exp1"], ("exp_0", "exp_1"), "flame")
    assert zero_based.pairs == (("Exp1", "exp_0"),)


def test_presets_round_trip_and_bad_presets_name_the_file(tmp_path):
    path = mapping.save_preset(tmp_path / "rig.json", {"Jaw_Down": "jawOpen"}, "arkit52")
    assert mapping.load_preset(path) == ({"Jaw_Down": "jawOpen"}, "arkit52")
    explicit = mapping.mapping_from_pairs(["Basis", "Jaw_Down", "Other"], ARKIT52,
                                          {"Jaw_Down": "jawOpen", "Other": "notAChannel"})
    assert explicit.pairs == (("Jaw_Down", "jawOpen"),)
    bad = tmp_path / "bad.json"
    bad.write_text('{"pairs": {}}')
    with pytest.raises(TalkRigError, match="bad.json"):
        mapping.load_preset(bad)


def test_resampling_keeps_values_at_shared_times():
    t = np.arange(61) / 60.0
    curves = np.stack([np.sin(t), t], axis=1).astype(np.float32)  # 1 s at 60 fps
    at_30 = keyframes.resample(curves, 60.0, 30.0)
    assert at_30.shape == (31, 2)
    np.testing.assert_allclose(at_30, curves[::2], atol=1e-6)
    assert keyframes.resample(curves, 60.0, 60.0) is not None
    np.testing.assert_array_equal(keyframes.resample(curves, 60.0, 60.0), curves)


def test_key_coordinates_interleave_scene_frames_and_values():
    co = keyframes.key_coordinates(np.array([0.1, 0.5, 0.2], dtype=np.float32), 101)
    np.testing.assert_allclose(co, [101, 0.1, 102, 0.5, 103, 0.2])


def test_region_strengths_scale_mouth_brows_and_eyes_separately():
    gains = keyframes.region_gains(ARKIT52, mouth=0.5, brows=2.0, eyes=0.0)
    by_name = dict(zip(ARKIT52, gains))
    assert by_name["jawOpen"] == 0.5 and by_name["mouthSmileLeft"] == 0.5
    assert by_name["browInnerUp"] == 2.0 and by_name["eyeBlinkLeft"] == 0.0


def test_per_frame_keyed_emotion_becomes_a_track_that_reproduces_it():
    labels = ["happy"] * 10 + ["angry"] * 10
    intensity = np.linspace(0.2, 1.0, 20)
    track = keyframes.emotion_track_from_frames(labels, intensity, fps=30.0)
    vectors = track.vectors(30.0, 20)
    happy, angry = EMOTION_AXES.index("happy"), EMOTION_AXES.index("angry")
    np.testing.assert_allclose(vectors[:10, happy], np.round(intensity[:10], 3), atol=1e-6)
    np.testing.assert_allclose(vectors[10:, angry], np.round(intensity[10:], 3), atol=1e-6)
    assert vectors[10:, happy].max() == 0.0


def test_demo_head_asset_is_small_and_has_arkit_shapes_that_move_the_mouth():
    from talkrig.demo_head import asset_path

    ASSET_PATH = asset_path()

    assert ASSET_PATH.stat().st_size < 4 * 1024 * 1024
    assert (ASSET_PATH.parent / "ICT-FaceKit-LICENSE.txt").read_text().startswith("MIT License")
    head = load_demo_head()
    assert set(head.shape_names) == set(ARKIT52) - {"tongueOut"}
    height = np.ptp(head.positions[:, 2])
    assert 0.2 < height < 0.5  # metres: a human head and neck
    jaw = head.shape_names.index("jawOpen")
    drop = head.shape_deltas[jaw][:, 2].min()
    assert drop < -0.005  # jawOpen lowers the chin by more than 5 mm
    assert len(head.faces()) == len(head.face_sizes)
    assert head.corner_uvs.shape == (len(head.corner_vertices), 2)
