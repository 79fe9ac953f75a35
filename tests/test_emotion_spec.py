"""Emotion specs: labels, intensities, timelines and JSON tracks become per-frame vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkrig.emotion import EMOTION_AXES, EMOTIONS, parse_emotion
from talkrig.errors import TalkRigError

FPS = 30.0


def axis(name):
    return EMOTION_AXES.index(name)


def test_there_are_eight_emotions_and_neutral_is_the_origin():
    assert EMOTIONS == ("neutral", "happy", "sad", "angry", "surprised", "fearful",
                        "disgusted", "contempt")
    assert np.all(parse_emotion("neutral").vectors(FPS, 10) == 0)


@pytest.mark.parametrize("spec, name, value", [
    ("happy", "happy", 1.0), ("happy:0.7", "happy", 0.7), ("Angry:0.25", "angry", 0.25),
    ("fear", "fearful", 1.0), ("contempt:0", "contempt", 0.0),
])
def test_a_constant_spec_is_one_scaled_axis(spec, name, value):
    vec = parse_emotion(spec).vectors(FPS, 5)
    expected = np.zeros(7)
    expected[axis(name)] = value
    assert np.allclose(vec, expected)


def test_a_timeline_holds_then_blends_smoothly():
    track = parse_emotion("neutral@0,happy:0.8@1.5,sad:0.4@4.2", transition_s=0.5)
    v = track.vectors(FPS, int(6 * FPS))
    t = np.arange(len(v)) / FPS
    assert np.all(v[t < 1.5] == 0)
    assert np.allclose(v[(t >= 2.0) & (t < 4.2), axis("happy")], 0.8)
    assert np.allclose(v[t >= 4.7, axis("sad")], 0.4) and np.all(v[t >= 4.7, axis("happy")] == 0)
    mid = v[(t > 1.5) & (t < 2.0), axis("happy")]
    assert np.all(np.diff(mid) > 0) and 0 < mid[0] < mid[-1] < 0.8
    assert np.abs(np.diff(v, axis=0)).max() < 0.1  # no jumps at 30 fps


def test_a_key_arriving_mid_blend_continues_from_where_the_face_is():
    v = parse_emotion("happy@0,sad@1.0,angry@1.1", transition_s=0.5).vectors(100, 300)
    assert np.abs(np.diff(v, axis=0)).max() < 0.05


def test_a_json_track_and_the_timeline_spec_agree(tmp_path):
    doc = {"transition_s": 0.3, "keys": [{"time": 0, "emotion": "neutral"},
                                          {"time": 1.0, "emotion": "angry", "intensity": 0.6}]}
    path = tmp_path / "track.json"
    path.write_text(json.dumps(doc))
    from_file = parse_emotion(str(path)).vectors(FPS, 60)
    from_spec = parse_emotion("neutral@0,angry:0.6@1", transition_s=0.3).vectors(FPS, 60)
    assert np.allclose(from_file, from_spec)
    assert np.allclose(parse_emotion(json.dumps(doc)).vectors(FPS, 60), from_spec)


def test_the_json_form_round_trips():
    track = parse_emotion("neutral@0,happy:0.8@1.5")
    again = parse_emotion(track.to_json())
    assert again == track


@pytest.mark.parametrize("spec, problem", [
    ("elated", "unknown emotion 'elated'"),
    ("happy:1.5", "between 0 and 1"),
    ("happy:-0.1", "between 0 and 1"),
    ("happy:lots", "is not a number"),
    ("happy@2,sad@1", "not sorted"),
    ("happy@1,sad@1", "two timeline points at 1 s"),
    ("happy@0,sad", "needs '@seconds'"),
    ("{\"keys\": []}", "non-empty 'keys'"),
    ("{broken", "invalid JSON"),
])
def test_bad_specs_are_clear_errors(spec, problem):
    with pytest.raises(TalkRigError) as err:
        parse_emotion(spec)
    assert problem in err.value.message


def test_a_missing_track_file_is_named(tmp_path):
    with pytest.raises(TalkRigError, match="not found"):
        parse_emotion(str(tmp_path / "nope.json"))
