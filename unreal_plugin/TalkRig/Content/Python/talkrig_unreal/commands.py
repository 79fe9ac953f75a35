"""What the Tools > TalkRig menu entries do (also callable from the editor's Python console)."""

import functools
import os
import tempfile

from talkrig_unreal import core_bridge
from talkrig_unreal.sequencer import import_plan

DEFAULT_SETTINGS = {
    "sequence_dir": "/Game/TalkRig",
    "actor": "",
    "control_rig": "/Game/MetaHumans/Common/Face/Face_ControlBoard_CtrlRig",
    "face_component": "Face",
    "audio_dir": "",
    "import_audio": True,
}


def settings_for_selection(**overrides):
    """Import settings bound to the first selected level actor."""
    import unreal

    settings = dict(DEFAULT_SETTINGS, **overrides)
    if not settings["actor"]:
        actors = unreal.get_editor_subsystem(unreal.EditorActorSubsystem)
        selected = actors.get_selected_level_actors()
        if not selected:
            raise RuntimeError("select the MetaHuman or ARKit character in the level first")
        settings["actor"] = selected[0].get_actor_label()
    return settings


def import_take(take_path, target="metahuman", **overrides):
    """Import one take file into a new Level Sequence; returns the import result."""
    import unreal

    result = import_plan(core_bridge.plan_for_take(take_path, target),
                         settings_for_selection(**overrides))
    unreal.log(f"TalkRig: {take_path} -> {result['sequence']} ({result['keys']} keys)")
    for warning in result["warnings"]:
        unreal.log_warning(f"TalkRig: {result['sequence']}: {warning}")
    return result


def generate_from_selected_sounds(emotion="neutral", target="metahuman", head_motion=False,
                                  **overrides):
    """Generate a take for each selected SoundWave and import it with that SoundWave.

    ``head_motion`` adds head rotation (keyed on the arkit target; a face board has no
    head control and the import warns)."""
    import unreal

    sounds = [a for a in unreal.EditorUtilityLibrary.get_selected_assets()
              if isinstance(a, unreal.SoundWave)]
    if not sounds:
        raise RuntimeError("select one or more SoundWaves in the Content Browser first")
    results, errors = [], []
    with tempfile.TemporaryDirectory() as tmp, \
            unreal.ScopedSlowTask(len(sounds), "TalkRig: generating from audio") as task:
        task.make_dialog(True)
        for sound in sounds:
            if task.should_cancel():
                break
            task.enter_progress_frame(1, f"TalkRig: {sound.get_name()}")
            try:  # one sound's failure never stops the others
                results.append(_generate_one(sound, tmp, emotion, target, head_motion,
                                             overrides))
            except Exception as exc:
                errors.append(f"{sound.get_name()}: {exc}")
                unreal.log_error(f"TalkRig: {errors[-1]}")
    if errors and not results:
        raise RuntimeError(errors[0] if len(errors) == 1
                           else f"{len(errors)} sounds failed; first: {errors[0]}")
    return results


def _generate_one(sound, tmp, emotion, target, head_motion, overrides):
    """Generate and import one SoundWave's take; the import result with its warnings."""
    import unreal

    audio = sound.get_editor_property("asset_import_data").get_first_filename()
    if not audio or not os.path.isfile(audio):
        raise RuntimeError(f"its source file is not on this machine ({audio or 'unknown'})")
    take = os.path.join(tmp, f"{sound.get_name()}.take.json")
    notes = core_bridge.generate_take(audio, take, emotion=emotion, head_motion=head_motion)
    for note in notes:
        unreal.log_warning(f"TalkRig: {sound.get_name()}: {note}")
    result = import_take(take, target, sound_asset=sound.get_path_name(), **overrides)
    result["warnings"] = notes + result["warnings"]
    return result


def ask_path(title, folder=False):
    """A native file or folder dialog (tkinter); None when cancelled or unavailable."""
    try:
        import tkinter
        from tkinter import filedialog
    except ImportError:
        return None
    root = tkinter.Tk()
    root.withdraw()
    try:
        if folder:
            return filedialog.askdirectory(title=title) or None
        return filedialog.askopenfilename(
            title=title, filetypes=[("TalkRig takes", "*.take.json *.npz *.csv")]) or None
    finally:
        root.destroy()


def reports_errors(action):
    """Menu actions log one ``TalkRig: <problem>`` error line instead of a traceback."""
    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        import unreal

        try:
            return action(*args, **kwargs)
        except Exception as exc:
            unreal.log_error(f"TalkRig: {exc}")
            return None
    return wrapper


@reports_errors
def menu_import_take():
    import unreal

    path = ask_path("Import TalkRig take")
    if path is None:
        unreal.log_warning("TalkRig: no take chosen (or no file dialog: call "
                           "talkrig_unreal.commands.import_take(path) in the Python console)")
        return
    import_take(path)


@reports_errors
def menu_batch_folder():
    import unreal
    from talkrig_unreal.batch import run_batch

    path = ask_path("Batch import folder or manifest", folder=True)
    if path is None:
        unreal.log_warning("TalkRig: no folder chosen (or no file dialog: call "
                           "talkrig_unreal.batch.run_batch(path) in the Python console)")
        return
    run_batch(path)


@reports_errors
def menu_generate_selected():
    generate_from_selected_sounds()
