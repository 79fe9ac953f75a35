"""Rig profiles and retargeting: names, aliases, the MetaHuman map, FLAME map files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkrig.errors import TalkRigError
from talkrig.retarget import load_retarget, retarget_curves
from talkrig.rigs import ARKIT52, MIRROR_PAIRS, canonical_arkit_name, load_rig_json


@pytest.mark.parametrize("spelling, canonical", [
    ("eyeBlink_L", "eyeBlinkLeft"), ("eyeBlink_R", "eyeBlinkRight"),
    ("EyeBlinkLeft", "eyeBlinkLeft"), ("mouthSmile_L", "mouthSmileLeft"),
    ("JAWOPEN", "jawOpen"), ("blendShape.mouthFunnel", "mouthFunnel"),
    ("cheekSquint.R", "cheekSquintRight"), ("browInnerUp_L", "browInnerUp"),
    ("jawFwd", "jawForward"),
])
def test_spellings_from_the_wild_map_to_canonical_names(spelling, canonical):
    assert canonical_arkit_name(spelling) == canonical


@pytest.mark.parametrize("name", ["Exp1", "nose", "CTRL_expressions_jawOpen", ""])
def test_unrelated_names_do_not_match(name):
    assert canonical_arkit_name(name) is None


def test_arkit_profile_has_52_unique_channels_and_20_mirror_pairs():
    assert len(ARKIT52) == len(set(ARKIT52)) == 52
    assert len(MIRROR_PAIRS) == 20
    assert all(a.endswith("Left") and b.endswith("Right") for a, b in MIRROR_PAIRS)


def test_metahuman_map_drives_every_arkit_channel_within_curve_ranges():
    mapping = load_retarget("metahuman")
    assert all(c.startswith("CTRL_expressions_") for c in mapping.channels)
    assert np.all(np.abs(mapping.matrix).sum(axis=0) > 0)  # every ARKit input used
    out = mapping.apply(np.ones((3, 52), np.float32) * 2)
    assert out.min() >= 0 and out.max() <= 1


def test_metahuman_jaw_and_blink_go_to_their_curves():
    values = np.zeros((1, 52), np.float32)
    values[0, ARKIT52.index("jawOpen")] = 0.6
    values[0, ARKIT52.index("eyeBlinkLeft")] = 0.9
    channels, out = retarget_curves(values, "metahuman")
    got = dict(zip(channels, out[0]))
    assert got["CTRL_expressions_jawOpen"] == pytest.approx(0.6)
    assert got["CTRL_expressions_eyeBlinkL"] == pytest.approx(0.9)
    assert got["CTRL_expressions_eyeBlinkR"] == 0


def test_flame_needs_a_map_file_and_reads_one(tmp_path, monkeypatch):
    monkeypatch.delenv("TALKRIG_FLAME_MAP", raising=False)
    with pytest.raises(TalkRigError, match="needs an ARKit->FLAME map"):
        load_retarget("flame")
    doc = load_rig_json("flame")
    k = len(doc["channels"])
    matrix = np.zeros((k, 52))
    matrix[doc["channels"].index("jaw_rx"), ARKIT52.index("jawOpen")] = 0.5
    path = tmp_path / "map.npz"
    np.savez(path, matrix=matrix)
    values = np.zeros((2, 52), np.float32)
    values[:, ARKIT52.index("jawOpen")] = 0.8
    channels, out = retarget_curves(values, "flame", path)
    assert out[0, channels.index("jaw_rx")] == pytest.approx(0.4)


def test_flame_map_of_the_wrong_shape_is_a_clear_error(tmp_path):
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"matrix": [[0.0] * 52] * 3}))
    with pytest.raises(TalkRigError, match=r"must be \[55, 52\]"):
        load_retarget("flame", path)


def test_unknown_rig_is_a_clear_error():
    with pytest.raises(TalkRigError, match="unknown rig 'maya'"):
        load_retarget("maya")
