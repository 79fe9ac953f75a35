"""Take -> Unreal key plans, without Unreal: frame numbers, rates, ranges, names."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkrig.errors import TalkRigError
from talkrig.rigs import ARKIT52
from talkrig.take import AudioSource, Take
from talkrig.unreal.board import load_board
from talkrig.unreal.frames import FrameRate, frame_rate_from_fps, tick_frames
from talkrig.unreal.keys import KeyOptions, build_plan, decode_plan, encode_plan
from talkrig.unreal.naming import asset_name, check_package_dir, stem_of, unique_asset_path

TICKS = FrameRate(24000, 1)


def arkit_take(n=120, fps=60.0, seed=0, audio=None):
    rng = np.random.default_rng(seed)
    return Take(fps=fps, channels=ARKIT52, values=rng.uniform(0, 1, (n, 52)), audio=audio)


@pytest.mark.parametrize("fps, rate", [
    (60.0, (60, 1)), (24.0, (24, 1)), (30000 / 1001, (30000, 1001)),
    (59.94, (60000, 1001)), (25.0, (25, 1)), (12.5, (25, 2))],
    ids=["60fps", "24fps", "29.97 exact", "59.94 rounded", "25fps", "12.5fps"])
def test_frame_rates_become_exact_fractions(fps, rate):
    assert frame_rate_from_fps(fps).as_list() == list(rate)


@pytest.mark.parametrize("rate, first", [
    ((60, 1), [0, 400, 800, 1200]), ((24, 1), [0, 1000, 2000, 3000]),
    ((30000, 1001), [0, 801, 1602, 2402])],  # 800.8 ticks per frame, rounded
    ids=["60fps", "24fps", "29.97fps rounds to nearest tick"])
def test_tick_frames_at_the_default_resolution(rate, first):
    assert tick_frames(4, FrameRate(*rate), TICKS).tolist() == first


def test_tick_frames_stay_exact_for_long_ntsc_takes():
    ticks = tick_frames(1_000_000, FrameRate(30000, 1001), TICKS)
    assert ticks[-1] == round(999_999 * 24000 * 1001 / 30000)
    assert np.all(np.diff(ticks) >= 800)


def test_every_board_control_inverts_its_curves():
    board = load_board()
    rng = np.random.default_rng(1)
    controls = rng.uniform(board.low, board.high, (5, len(board.controls), 2)).astype(np.float32)
    controls[:, np.array(board.kinds) == "float", 0] = 0.0  # sliders have no x
    curves = np.zeros((5, len(board.curves) + 1), np.float32)
    for i in range(len(board.controls)):  # drive curves the way the rig does
        for axis in (0, 1):
            value = controls[:, i, axis]
            curves[:, board.pos[i, axis]] += np.clip(value, 0, None)
            curves[:, board.neg[i, axis]] += np.clip(-value, 0, None)
    back = board.control_values(np.ascontiguousarray(curves[:, :-1].T))  # (N, 2, T)
    np.testing.assert_allclose(back.transpose(2, 0, 1), controls, atol=1e-6)


def test_board_uses_each_metahuman_curve_once_and_names_match_the_rig_file():
    board = load_board()
    assert len(board.controls) == len(set(board.controls)) == 157
    assert len(board.curves) == len(set(board.curves)) == 240
    assert all(c.startswith("CTRL_expressions_") for c in board.curves)
    jaw = board.controls.index("CTRL_C_jaw")
    assert board.kinds[jaw] == "vector2d"
    assert (board.low[jaw].tolist(), board.high[jaw].tolist()) == ([-1, 0], [1, 1])


def test_metahuman_plan_keys_blink_from_arkit_blink_and_clamps_to_the_slider_range():
    take = arkit_take()
    plan = build_plan(take, KeyOptions(target="metahuman"), name="line")
    blink = plan.channel("CTRL_L_eye_blink")
    assert blink.kind == "float" and blink.ticks.tolist() == (np.arange(120) * 400).tolist()
    assert np.all(blink.values <= 1) and np.all(blink.values >= -1)
    jaw = plan.channel("CTRL_C_jaw")
    assert jaw.values.shape == (120, 2)
    np.testing.assert_allclose(jaw.values[:, 1], take.channel("jawOpen"), atol=1e-6)


def test_a_metahuman_take_is_keyed_from_its_own_curves():
    board = load_board()
    values = np.zeros((10, 2), np.float32)
    values[:, 0] = np.linspace(0, 1, 10)  # blink
    values[:, 1] = 0.25  # widen
    take = Take(fps=30, channels=("CTRL_expressions_eyeBlinkL", "CTRL_expressions_eyeWidenL"),
                values=values, rig="metahuman")
    plan = build_plan(take, name="mh")
    np.testing.assert_allclose(plan.channel("CTRL_L_eye_blink").values, values[:, 0] - 0.25)
    assert plan.channel("CTRL_R_eye_blink").ticks.tolist() == [0]  # never moves: one key
    assert len(plan.channels) == len(board.controls)


def test_arkit_plan_has_one_curve_per_shape_in_the_chosen_case():
    plan = build_plan(arkit_take(), KeyOptions(target="arkit", curve_case="pascal"), name="x")
    assert [c.name for c in plan.channels][:2] == ["EyeBlinkLeft", "EyeLookDownLeft"]
    assert len(plan.channels) == 52


def test_plans_name_assets_and_carry_rates_and_audio_through_json():
    audio = AudioSource("/data/line 07 (angry).wav", "0" * 64, 2.0)
    plan = build_plan(arkit_take(audio=audio), name="line 07 (angry)", source="x.take.json")
    doc = decode_plan(encode_plan(plan.to_json()))
    assert doc["sequence_name"] == "LS_line_07_angry"
    assert doc["sound_name"] == "SW_line_07_angry"
    assert doc["display_rate"] == [60, 1] and doc["tick_resolution"] == [24000, 1]
    assert doc["n_frames"] == 120 and doc["audio_path"] == audio.path
    json.dumps(doc)  # plain JSON all the way down


def test_wrong_targets_and_rigs_are_one_line_errors():
    with pytest.raises(TalkRigError, match="unknown Unreal target 'maya'"):
        build_plan(arkit_take(), KeyOptions(target="maya"))
    flame = Take(fps=30, channels=("Exp1",), values=np.zeros((3, 1)), rig="flame")
    with pytest.raises(TalkRigError, match="cannot drive a MetaHuman face board"):
        build_plan(flame)
    with pytest.raises(TalkRigError, match="needs an ARKit-52 take"):
        build_plan(flame, KeyOptions(target="arkit"))


def test_asset_names_are_safe_and_never_reuse_an_existing_path():
    assert asset_name("42 lines/final!", "LS_") == "LS_42_lines_final"
    assert asset_name("LS_intro", "LS_") == "LS_intro"
    assert stem_of("C:\\takes\\line_01.take.json") == "line_01"
    taken = {"/Game/D/LS_a", "/Game/D/LS_a_2"}
    assert unique_asset_path("/Game/D", "LS_a", taken.__contains__) == "/Game/D/LS_a_3"
    assert check_package_dir("/Game/Dialogue/") == "/Game/Dialogue"
    with pytest.raises(TalkRigError, match="must look like /Game/Folder"):
        check_package_dir("Game/Dialogue")
    with pytest.raises(TalkRigError, match="letters, digits and _"):
        check_package_dir("/Game/My Dialogue")
