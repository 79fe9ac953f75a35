"""Take formats: every writer has a reader, and they round-trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkrig.errors import TalkRigError
from talkrig.formats import read_take, write_take
from talkrig.formats.livelink_csv import HEADER, format_timecode, parse_timecode
from talkrig.rigs import ARKIT52, LIVELINK_ORDER
from talkrig.take import AudioSource, Provenance, Take

DESIGN_HEADER_START = "Timecode,BlendShapeCount,EyeBlinkLeft,EyeLookDownLeft"
FLOAT_FORMAT_TOL = 1e-6  # writers keep 6 decimals


def make_take(fps=60.0, frames=150, seed=0, pose=True) -> Take:
    rng = np.random.default_rng(seed)
    return Take(fps=fps, channels=ARKIT52, values=rng.random((frames, 52)),
                head_pose=rng.normal(size=(frames, 3)) * 0.1 if pose else None,
                eye_rotation=rng.normal(size=(frames, 6)) * 0.1 if pose else None,
                emotion={"schema": "talkrig.emotion/1", "transition_s": 0.4,
                         "keys": [{"time": 0.0, "emotion": "happy", "intensity": 0.7}]},
                audio=AudioSource("/x/a.wav", "ab" * 32, frames / fps),
                provenance=Provenance("phonetic", "p-1", 7, "0.1.0", "hello", phones="aligned"),
                start_time_s=12 * 3600 + 0.25)


@pytest.mark.parametrize("suffix", [".take.json", ".npz"])
def test_json_and_npz_keep_everything(tmp_path, suffix):
    take = make_take()
    path = write_take(take, tmp_path / f"t{suffix}")
    back = read_take(path)
    assert back.allclose(take, atol=FLOAT_FORMAT_TOL)
    assert back.emotion == take.emotion and back.audio == take.audio
    assert back.provenance == take.provenance and back.rig == "arkit52"
    assert back.start_time_s == pytest.approx(take.start_time_s)


def test_npz_is_bit_exact(tmp_path):
    take = make_take()
    back = read_take(write_take(take, tmp_path / "t.npz"))
    assert np.array_equal(back.values, take.values)


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 60.0])
def test_livelink_csv_round_trips_curves_pose_and_rate(tmp_path, fps):
    take = make_take(fps=fps, frames=int(fps * 3.5))
    back = read_take(write_take(take, tmp_path / "t.csv"))
    assert back.fps == fps
    assert back.allclose(take, atol=FLOAT_FORMAT_TOL)
    assert back.start_time_s == pytest.approx(take.start_time_s, abs=1e-6)


def test_livelink_csv_has_the_exact_header_and_count(tmp_path):
    path = write_take(make_take(), tmp_path / "t.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(HEADER)
    assert lines[0].startswith(DESIGN_HEADER_START)
    assert "JawForward,JawRight,JawLeft,JawOpen" in lines[0]  # the app's order, not the enum's
    fields = lines[1].split(",")
    assert len(fields) == 63 and fields[1] == "61"
    assert fields[0] == "12:00:00:15.000"  # 0.25 s at 60 fps is frame 15


def test_livelink_reader_matches_columns_by_name_case_insensitively(tmp_path):
    take = make_take(pose=False)
    path = write_take(take, tmp_path / "t.csv")
    text = path.read_text().replace("BlendShapeCount", "BlendshapeCount", 1)
    text = text.replace("JawOpen", "jawopen", 1)
    other = tmp_path / "u.csv"
    other.write_text(text)
    back = read_take(other)
    assert np.allclose(back.channel("jawOpen"), take.channel("jawOpen"), atol=1e-6)


def test_timecode_format_and_parse_agree():
    assert format_timecode(19 * 3600 + 16 * 60 + 29 + 35.273 / 60, 60) == "19:16:29:35.273"
    assert parse_timecode("19:16:29:35.273") == (19 * 3600 + 16 * 60 + 29, 35.273)


def test_control_csv_round_trips_metahuman_curves(tmp_path):
    from talkrig.retarget import retarget_curves

    take = make_take(pose=False)
    channels, values = retarget_curves(take.values, "metahuman")
    mh = take.replace(channels=channels, values=values, rig="metahuman")
    path = write_take(mh, tmp_path / "m.csv")  # non-ARKit .csv -> control CSV
    assert path.read_text().startswith("time,CTRL_expressions_")
    back = read_take(path)
    assert back.rig == "metahuman" and back.fps == 60.0
    assert back.allclose(mh, atol=FLOAT_FORMAT_TOL)


def test_control_csv_reads_the_real_emoface_matrix(tmp_path):
    from conftest import SHARED
    from talkrig.formats.control_csv import read_control_csv

    folder = SHARED / "data" / "emoface-sample"
    if not folder.exists():
        pytest.skip("emoface sample not available")
    names = (folder / "metahuman_attr_names.txt").read_text().split()
    data = next(folder.glob("VALID_CTR_*.txt"))
    take = read_control_csv(data, channel_names=names, fps=60.0)
    assert take.values.shape[1] == 174 and take.n_frames > 100
    assert take.duration_s == pytest.approx(3.4, abs=0.3)


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not valid JSON"),
    (json.dumps({"schema": "talkrig.take/99", "fps": 60, "channels": []}), "unsupported take schema"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a", "b"],
                 "values": [[0.1, 0.2, 0.3]]}), "2 numbers per row"),
    (json.dumps({"schema": "talkrig.take/1", "fps": -5, "channels": ["a"],
                 "values": [[0.1]]}), "fps must be"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a", "a"],
                 "values": [[0.1, 0.2]]}), "duplicate channel"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a"],
                 "values": []}), "at least one frame"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": [],
                 "values": [[], []]}), "at least one frame and one channel"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a"],
                 "values": [[0.1]], "start_time_s": -0.5}), "start_time_s must be"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a"],
                 "values": [[0.1]], "emotion": "happy"}), "'emotion' must be"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a"], "values": [[0.1]],
                 "emotion": {"keys": [{"emotion": "happy"}], "transition_s": "x"}}),
     "transition time must be a number"),
    (json.dumps({"schema": "talkrig.take/1", "fps": 60, "channels": ["a"],
                 "values": [[0.1]], "provenance": "phonetic"}), "must be JSON objects"),
])
def test_take_json_reader_says_what_is_wrong(tmp_path, content, problem):
    path = tmp_path / "bad.take.json"
    path.write_text(content)
    with pytest.raises(TalkRigError) as err:
        read_take(path)
    assert problem in err.value.message and str(path) in err.value.message


def test_livelink_reader_rejects_a_short_row(tmp_path):
    path = write_take(make_take(frames=10), tmp_path / "t.csv")
    lines = path.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 5)[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(TalkRigError, match="line 4 has 58 fields"):
        read_take(bad)


def test_writers_refuse_to_overwrite_and_leave_no_partial_file(tmp_path):
    path = tmp_path / "t.take.json"
    path.write_text("precious")
    with pytest.raises(TalkRigError, match="already exists"):
        write_take(make_take(), path)
    assert path.read_text() == "precious"
    write_take(make_take(), path, force=True)
    assert read_take(path).n_frames == 150
    assert not list(tmp_path.glob("*.part"))


def test_livelink_writer_names_missing_channels(tmp_path):
    take = Take(fps=30, channels=("jawOpen",), values=np.zeros((3, 1)))
    with pytest.raises(TalkRigError, match="needs the 52 ARKit channels"):
        write_take(take, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_unknown_extension_is_a_clear_error(tmp_path):
    with pytest.raises(TalkRigError, match="unknown take format"):
        write_take(make_take(), tmp_path / "x.fbx")


def test_livelink_order_is_a_permutation_of_the_canonical_names():
    assert sorted(n.lower() for n in LIVELINK_ORDER) == sorted(n.lower() for n in ARKIT52)


def test_outputs_get_ordinary_permissions_and_a_forced_overwrite_keeps_the_old_ones(tmp_path):
    """Atomic writes go through a private temp file; the result must not stay private."""
    import os
    from talkrig.atomic import atomic_open

    old_mask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.take.json"
        with atomic_open(fresh) as f:
            f.write("{}")
        assert fresh.stat().st_mode & 0o777 == 0o644
        shared = tmp_path / "shared.take.json"
        shared.write_text("{}")
        shared.chmod(0o664)
        with atomic_open(shared, force=True) as f:
            f.write("[]")
        assert shared.stat().st_mode & 0o777 == 0o664 and shared.read_text() == "[]"
    finally:
        os.umask(old_mask)


def test_provenance_says_what_a_take_was_animated_from_without_a_transcript():
    heard = Provenance("phonetic", heard="Montreal forced aligner.", phones="heard")
    assert heard.animated_from() == "words heard: 'Montreal forced aligner.'"
    assert Provenance("phonetic", phones="recognised").animated_from() == "phone recognition"
    silent = Provenance("phonetic", phones="silent")
    assert silent.animated_from() == "the audio is silent, the mouth rests"


def test_control_csv_keeps_channel_names_with_commas_and_quotes(tmp_path):
    take = Take(fps=30.0, channels=("mouth,left", 'brow "inner"', "jaw"),
                values=np.random.default_rng(1).random((6, 3)), rig="custom")
    back = read_take(write_take(take, tmp_path / "odd.controls.csv"))
    assert back.channels == take.channels and back.allclose(take, atol=FLOAT_FORMAT_TOL)


def test_livelink_reader_skips_blank_lines(tmp_path):
    path = write_take(make_take(frames=10), tmp_path / "t.csv")
    padded = tmp_path / "padded.csv"
    padded.write_text(path.read_text() + "\n\n")
    assert read_take(padded).allclose(read_take(path))
