"""Apply a key plan: a new Level Sequence keyed on a MetaHuman face board or ARKit curves."""

import os

from talkrig_unreal import assets


def import_plan(plan, settings):
    """Create a Level Sequence from a key plan and return what was made.

    Parameters
    ----------
    plan : dict
        A key plan (``talkrig.unreal_plan/1``, made by ``talkrig.unreal.keys``).
    settings : dict
        ``ImportSettings`` fields: sequence_dir, actor, control_rig, face_component,
        audio_dir, import_audio; optional sound_asset (an existing SoundWave to use).

    Returns
    -------
    dict
        ``sequence`` (asset path), ``keys`` (number of keys set), ``audio`` (SoundWave
        path or ""), ``anim`` (AnimSequence path or ""), ``warnings`` (list of str).
    """
    import unreal

    # everything that can be checked is checked before the first asset is made
    component = assets.face_component(assets.find_actor(settings["actor"]),
                                      settings["face_component"])
    rig_class = face_rig_class(settings) if plan["target"] == "metahuman" else None
    sound_asset = settings.get("sound_asset", "")
    if sound_asset and unreal.EditorAssetLibrary.load_asset(sound_asset) is None:
        raise RuntimeError(f"sound asset {sound_asset!r} not found")
    created = []  # assets this import made, removed again if it fails halfway
    try:
        return _import(plan, settings, component, rig_class, created)
    except Exception:
        for path in reversed(created):
            unreal.EditorAssetLibrary.delete_asset(path)
        raise


def face_rig_class(settings):
    """The face Control Rig's class, from its asset path in ``settings``."""
    import unreal

    rig_class = unreal.EditorAssetLibrary.load_blueprint_class(settings["control_rig"])
    if rig_class is None:
        raise RuntimeError(f"face Control Rig {settings['control_rig']!r} not found")
    return rig_class


def _import(plan, settings, component, rig_class, created):
    import unreal

    folder = settings["sequence_dir"]
    path = assets.unique_asset_path(folder, plan["sequence_name"])
    sequence = assets.create_asset(path, unreal.LevelSequence, unreal.LevelSequenceFactoryNew())
    created.append(path)
    sequence.set_tick_resolution(unreal.FrameRate(*plan["tick_resolution"]))
    sequence.set_display_rate(unreal.FrameRate(*plan["display_rate"]))
    sequence.set_playback_start(0)
    sequence.set_playback_end(plan["n_frames"])
    result = {"sequence": path, "keys": 0, "audio": "", "anim": "",
              "warnings": list(plan.get("meta", {}).get("notes", []))}
    binding = sequence.add_possessable(component)
    if plan["target"] == "metahuman":
        result["keys"] = key_face_board(sequence, binding, plan, rig_class)
    else:
        result["anim"], result["keys"] = key_morph_curves(sequence, binding, component, plan,
                                                          folder, created)
    sound_asset, audio_path = settings.get("sound_asset", ""), plan.get("audio_path")
    if settings.get("import_audio", True) and (sound_asset or audio_path):
        if sound_asset or os.path.isfile(audio_path):
            result["audio"] = add_audio(sequence, plan, settings.get("audio_dir") or folder,
                                        sound_asset)
        else:  # e.g. a push from another machine: keys still land, the sound is left out
            result["warnings"].append(f"audio {audio_path} is not on the editor's machine: "
                                      "no audio track")
    unreal.EditorAssetLibrary.save_loaded_asset(sequence)
    return result


def key_face_board(sequence, binding, plan, rig_class):
    """Key every face-board control through the face Control Rig; returns the key count."""
    import unreal

    world = unreal.get_editor_subsystem(unreal.UnrealEditorSubsystem).get_editor_world()
    # The Control Rig keying calls act on the active sequence (Epic's docs: "Active
    # Sequence to set value on"): open the new one in Sequencer first.
    unreal.LevelSequenceEditorBlueprintLibrary.open_level_sequence(sequence)
    library = unreal.ControlRigSequencerLibrary
    track = library.find_or_create_control_rig_track(world, sequence, rig_class, binding)
    rig = control_rig_of(sequence, track)
    ticks = unreal.MovieSceneTimeUnit.TICK_RESOLUTION
    count = 0
    for channel in plan["channels"]:
        frames = [unreal.FrameNumber(t) for t in channel["ticks"]]
        if channel["kind"] == "vector2d":
            values = [unreal.Vector2D(x, y) for x, y in channel["values"]]
            library.set_local_control_rig_vector2ds(sequence, rig, channel["name"], frames,
                                                    values, ticks)
        else:
            library.set_local_control_rig_floats(sequence, rig, channel["name"], frames,
                                                 [float(v) for v in channel["values"]], ticks)
        count += len(frames)
    return count


def control_rig_of(sequence, track):
    """The Control Rig instance a Control Rig track of ``sequence`` drives (the track
    class has no scripting getter; the sequencer library lists rigs with their tracks)."""
    import unreal

    for found in unreal.ControlRigSequencerLibrary.get_control_rigs(sequence):
        if found.get_editor_property("track") == track:
            return found.get_editor_property("control_rig")
    raise RuntimeError("the face Control Rig track has no Control Rig in the sequence")


def key_morph_curves(sequence, binding, component, plan, folder, created):
    """An AnimSequence with one float curve per ARKit shape, played on the bound mesh."""
    import unreal

    skeleton = component.get_skeletal_mesh_asset().get_editor_property("skeleton")
    factory = unreal.AnimSequenceFactory()
    factory.set_editor_property("target_skeleton", skeleton)
    anim_path = assets.unique_asset_path(folder, plan["anim_name"])
    anim = assets.create_asset(anim_path, unreal.AnimSequence, factory)
    created.append(anim_path)
    controller = anim.get_editor_property("controller")
    controller.set_frame_rate(unreal.FrameRate(*plan["display_rate"]))
    controller.set_number_of_frames(unreal.FrameNumber(max(plan["n_frames"] - 1, 1)))
    tick_num, tick_den = plan["tick_resolution"]
    count = 0
    for channel in plan["channels"]:
        times = [t * tick_den / tick_num for t in channel["ticks"]]  # seconds
        unreal.AnimationLibrary.add_curve(anim, channel["name"],
                                          unreal.RawCurveTrackTypes.RCT_FLOAT, False)
        unreal.AnimationLibrary.add_float_curve_keys(anim, channel["name"], times,
                                                     [float(v) for v in channel["values"]])
        count += len(times)
    unreal.EditorAssetLibrary.save_loaded_asset(anim)
    track = binding.add_track(unreal.MovieSceneSkeletalAnimationTrack)
    section = track.add_section()
    params = section.get_editor_property("params")
    params.set_editor_property("animation", anim)
    section.set_editor_property("params", params)
    section.set_range(0, plan["n_frames"])
    return anim_path, count


def add_audio(sequence, plan, folder, sound_asset=""):
    """Add the take's SoundWave (``sound_asset``, else imported) on an audio track."""
    import unreal

    if sound_asset:
        sound = unreal.EditorAssetLibrary.load_asset(sound_asset)
    else:
        sound = assets.sound_wave(plan["audio_path"], folder, plan["sound_name"])
    track = sequence.add_track(unreal.MovieSceneAudioTrack)
    section = track.add_section()
    section.set_sound(sound)
    section.set_range(0, plan["n_frames"])
    return sound.get_path_name()
