"""Stand-in ``unreal``: Level Sequences, tracks, sections, Control Rig keying."""

from __future__ import annotations

from ._base import (OPEN_IN_SEQUENCER, FrameNumber, FrameRate, MovieSceneTimeUnit, Object,
                    Vector2D, _recorded, _Strict)
from .assets import SoundWave
from .editor import World


# --------------------------------------------------------------- Level Sequences
class MovieSceneSection(Object):
    PROPERTIES = ()

    def __init__(self, **props):
        super().__init__("", **props)
        self._props["range"] = None

    @_recorded
    def set_range(self, start_frame, end_frame):
        assert isinstance(start_frame, int) and isinstance(end_frame, int), "frames are ints"
        self._props["range"] = (start_frame, end_frame)

    @_recorded
    def get_start_frame(self):
        return self._props["range"][0]

    @_recorded
    def get_end_frame(self):
        return self._props["range"][1]


class MovieSceneAudioSection(MovieSceneSection):
    PROPERTIES = ("sound",)

    @_recorded
    def set_sound(self, sound):
        assert isinstance(sound, SoundWave), "set_sound needs a SoundBase"
        self._props["sound"] = sound


class MovieSceneSkeletalAnimationParams(_Strict):
    PROPERTIES = ("animation",)


class MovieSceneSkeletalAnimationSection(MovieSceneSection):
    PROPERTIES = ("params",)

    def __init__(self):
        super().__init__(params=MovieSceneSkeletalAnimationParams())


class MovieSceneTrack(Object):
    SECTION = MovieSceneSection

    def __init__(self):
        super().__init__("")
        self._props["sections"] = []

    @_recorded
    def add_section(self):
        section = self.SECTION()
        self._props["sections"].append(section)
        return section

    @_recorded
    def get_sections(self):
        return list(self._props["sections"])


class MovieSceneAudioTrack(MovieSceneTrack):
    SECTION = MovieSceneAudioSection


class MovieSceneSkeletalAnimationTrack(MovieSceneTrack):
    SECTION = MovieSceneSkeletalAnimationSection


class MovieSceneControlRigParameterTrack(MovieSceneTrack):
    """No scripting getter for its rig (GetControlRig is not a UFUNCTION in the engine):
    ``ControlRigSequencerLibrary.get_control_rigs`` lists rigs with their tracks."""

    def __init__(self, control_rig):
        super().__init__()
        self._props["control_rig"] = control_rig


class MovieSceneBindingProxy(_Strict):
    def __init__(self, sequence, bound):
        super().__init__(sequence=sequence, bound=bound, tracks=[])

    @_recorded
    def add_track(self, track_type):
        assert track_type in (MovieSceneSkeletalAnimationTrack,), "track type not modelled"
        track = track_type()
        self._props["tracks"].append(track)
        return track

    @_recorded
    def get_tracks(self):
        return list(self._props["tracks"])


class LevelSequence(Object):
    def __init__(self, path=""):
        super().__init__(path, tick=FrameRate(24000, 1), display=FrameRate(30, 1),
                         start=0, end=0, tracks=[], bindings=[])

    @_recorded
    def set_tick_resolution(self, tick_resolution):
        assert isinstance(tick_resolution, FrameRate)
        self._props["tick"] = tick_resolution

    @_recorded
    def get_tick_resolution(self):
        return self._props["tick"]

    @_recorded
    def set_display_rate(self, display_rate):
        assert isinstance(display_rate, FrameRate)
        self._props["display"] = display_rate

    @_recorded
    def get_display_rate(self):
        return self._props["display"]

    @_recorded
    def set_playback_start(self, start_frame):
        assert isinstance(start_frame, int)
        self._props["start"] = start_frame

    @_recorded
    def set_playback_end(self, end_frame):
        assert isinstance(end_frame, int)
        self._props["end"] = end_frame

    @_recorded
    def get_playback_start(self):
        return self._props["start"]

    @_recorded
    def get_playback_end(self):
        return self._props["end"]

    @_recorded
    def add_possessable(self, object_to_possess):
        binding = MovieSceneBindingProxy(self, object_to_possess)
        self._props["bindings"].append(binding)
        return binding

    @_recorded
    def get_bindings(self):
        return list(self._props["bindings"])

    @_recorded
    def add_track(self, track_type):
        assert track_type in (MovieSceneAudioTrack,), "track type not modelled"
        track = track_type()
        self._props["tracks"].append(track)
        return track

    @_recorded
    def get_tracks(self):
        return list(self._props["tracks"])


# --------------------------------------------------------------------- Control Rig
class ControlRig(Object):
    """A Control Rig instance: named controls of type "float" or "vector2d", with keys."""

    def __init__(self, controls: dict[str, str]):
        super().__init__("", controls=dict(controls), keys={})


class ControlRigClass(_Strict):
    """What ``EditorAssetLibrary.load_blueprint_class`` returns for a Control Rig asset."""

    def __init__(self, controls: dict[str, str]):
        super().__init__(controls=dict(controls))


def _set_keys(level_sequence, control_rig, control_name, frames, values, time_unit, kind):
    assert OPEN_IN_SEQUENCER == [level_sequence], \
        "stand-in unreal: keys set on a sequence that is not the one open in Sequencer"
    controls = control_rig._props["controls"]
    if control_name not in controls:
        raise ValueError(f"stand-in unreal: control rig has no control {control_name!r}")
    if controls[control_name] != kind:
        raise TypeError(f"{control_name} is a {controls[control_name]} control, not {kind}")
    assert isinstance(level_sequence, LevelSequence)
    assert isinstance(time_unit, MovieSceneTimeUnit)
    assert len(frames) == len(values) and all(isinstance(f, FrameNumber) for f in frames)
    value_type = Vector2D if kind == "vector2d" else float
    assert all(isinstance(v, value_type) for v in values), f"{kind} values expected"
    control_rig._props["keys"][control_name] = (
        [f._props["value"] for f in frames],
        [(v._props["x"], v._props["y"]) if kind == "vector2d" else v for v in values],
        time_unit)


class LevelSequenceEditorBlueprintLibrary:
    @staticmethod
    @_recorded
    def open_level_sequence(level_sequence):
        assert isinstance(level_sequence, LevelSequence)
        OPEN_IN_SEQUENCER[:] = [level_sequence]
        return True


class ControlRigSequencerBindingProxy(_Strict):
    """The struct ``get_control_rigs`` returns: read-only proxy, control_rig, track."""

    PROPERTIES = ("proxy", "control_rig", "track")

    def set_editor_property(self, name, value, notify_mode=None):
        raise AttributeError("stand-in unreal: ControlRigSequencerBindingProxy is read-only")


class ControlRigSequencerLibrary:
    @staticmethod
    @_recorded
    def get_control_rigs(level_sequence):
        assert isinstance(level_sequence, LevelSequence)
        return [ControlRigSequencerBindingProxy(proxy=binding, track=track,
                                                control_rig=track._props["control_rig"])
                for binding in level_sequence._props["bindings"]
                for track in binding._props["tracks"]
                if isinstance(track, MovieSceneControlRigParameterTrack)]

    @staticmethod
    @_recorded
    def find_or_create_control_rig_track(world, level_sequence, control_rig_class, binding,
                                         is_layered_control_rig=False):
        assert isinstance(world, World) and isinstance(binding, MovieSceneBindingProxy)
        assert binding._props["sequence"] is level_sequence, "binding of another sequence"
        for track in binding._props["tracks"]:
            if isinstance(track, MovieSceneControlRigParameterTrack):
                return track
        track = MovieSceneControlRigParameterTrack(ControlRig(control_rig_class._props["controls"]))
        binding._props["tracks"].append(track)
        return track

    @staticmethod
    @_recorded
    def set_local_control_rig_floats(level_sequence, control_rig, control_name, frames, values,
                                     time_unit=MovieSceneTimeUnit.DISPLAY_RATE):
        _set_keys(level_sequence, control_rig, control_name, frames, values, time_unit, "float")

    @staticmethod
    @_recorded
    def set_local_control_rig_vector2ds(level_sequence, control_rig, control_name, frames, values,
                                        time_unit=MovieSceneTimeUnit.DISPLAY_RATE):
        _set_keys(level_sequence, control_rig, control_name, frames, values, time_unit, "vector2d")
