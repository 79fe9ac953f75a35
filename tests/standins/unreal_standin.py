"""A stand-in for the Unreal Editor's ``unreal`` Python module, for tests only.

It models only the documented classes and functions the TalkRig plugin calls, with
their documented parameter names (Unreal Python API 5.3-5.5, dev.epicgames.com
``python-api``), keeps a small in-memory editor (assets by path, level actors) and
records every call in :data:`CALLS`. Anything else raises ``AttributeError``, and a
call with a wrong signature raises ``TypeError``, so a typo fails the test.
Install it with ``sys.modules["unreal"] = unreal_standin`` (see tests/conftest-style
fixtures in the test files); the plugin never imports it.
"""

from __future__ import annotations

import enum
import functools
import inspect
import os

CALLS: list[tuple[str, dict]] = []  # (qualified name, bound arguments) per call
ASSETS: dict[str, object] = {}  # asset path (/Game/Folder/Name) -> asset
ACTORS: list = []  # level actors
SELECTED: list = []  # selected level actors
SELECTED_ASSETS: list = []  # assets selected in the Content Browser
BLUEPRINT_CLASSES: dict[str, object] = {}  # asset path -> Control Rig class stand-in


def reset() -> None:
    """Empty editor: no calls, assets or actors."""
    for registry in (CALLS, ASSETS, ACTORS, SELECTED, SELECTED_ASSETS, BLUEPRINT_CLASSES):
        registry.clear()


def calls(name: str) -> list[dict]:
    """Bound arguments of every recorded call to ``name`` (e.g. "LevelSequence.set_display_rate")."""
    return [args for called, args in CALLS if called == name]


def _recorded(func):
    """Record calls with their bound arguments; wrong signatures raise TypeError."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        recorded = {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}
        CALLS.append((func.__qualname__, recorded))
        return func(*args, **kwargs)
    return wrapper


def __getattr__(name):  # PEP 562: anything not modelled here does not exist
    raise AttributeError(f"stand-in unreal: unreal.{name} is not modelled")


class _Strict:
    """Base: unknown attributes raise; properties only through get/set_editor_property."""

    PROPERTIES: tuple[str, ...] = ()

    def __init__(self, **props):
        object.__setattr__(self, "_props", {})
        for key, value in props.items():
            self._props[key] = value

    def __getattr__(self, name):
        raise AttributeError(f"stand-in unreal: {type(self).__name__}.{name} is not modelled")

    def __setattr__(self, name, value):
        raise AttributeError(f"stand-in unreal: set {type(self).__name__}.{name} "
                             "with set_editor_property")

    @_recorded
    def get_editor_property(self, name):
        if name not in self.PROPERTIES:
            raise AttributeError(f"stand-in unreal: {type(self).__name__} has no property {name!r}")
        return self._props.get(name)

    @_recorded
    def set_editor_property(self, name, value, notify_mode=None):
        if name not in self.PROPERTIES:
            raise AttributeError(f"stand-in unreal: {type(self).__name__} has no property {name!r}")
        self._props[name] = value


# ----------------------------------------------------------------- structs, enums
class FrameRate(_Strict):
    PROPERTIES = ("numerator", "denominator")

    def __init__(self, numerator=60, denominator=1):
        assert isinstance(numerator, int) and isinstance(denominator, int), "FrameRate needs ints"
        super().__init__(numerator=numerator, denominator=denominator)

    def __eq__(self, other):
        return (isinstance(other, FrameRate)
                and (self._props["numerator"], self._props["denominator"])
                == (other._props["numerator"], other._props["denominator"]))

    def as_tuple(self):  # test helper
        return self._props["numerator"], self._props["denominator"]


class FrameNumber(_Strict):
    PROPERTIES = ("value",)

    def __init__(self, value=0):
        assert isinstance(value, int), f"FrameNumber needs an int, got {type(value).__name__}"
        super().__init__(value=value)


class Vector2D(_Strict):
    PROPERTIES = ("x", "y")

    def __init__(self, x=0.0, y=0.0):
        super().__init__(x=float(x), y=float(y))


class MovieSceneTimeUnit(enum.Enum):
    DISPLAY_RATE = 0
    TICK_RESOLUTION = 1


class RawCurveTrackTypes(enum.Enum):
    RCT_FLOAT = 0
    RCT_VECTOR = 1
    RCT_TRANSFORM = 2


class MultiBlockType(enum.Enum):
    NONE = 0
    MENU_ENTRY = 2


class ToolMenuStringCommandType(enum.Enum):
    COMMAND = 0
    PYTHON = 1
    CUSTOM = 2


# ------------------------------------------------------------------------ assets
class Object(_Strict):
    def __init__(self, path="", **props):
        super().__init__(**props)
        object.__setattr__(self, "_path", path)

    @_recorded
    def get_name(self):
        return self._path.rsplit("/", 1)[-1]

    @_recorded
    def get_path_name(self):
        name = self._path.rsplit("/", 1)[-1]
        return f"{self._path}.{name}"


class AssetImportData(Object):
    def __init__(self, filename=""):
        super().__init__("", filename=filename)

    @_recorded
    def get_first_filename(self):
        return self._props["filename"]


class SoundWave(Object):
    PROPERTIES = ("asset_import_data",)


class Skeleton(Object):
    pass


class SkeletalMesh(Object):
    PROPERTIES = ("skeleton",)


class LevelSequenceFactoryNew(_Strict):
    pass


class AnimSequenceFactory(_Strict):
    PROPERTIES = ("target_skeleton",)


class AssetImportTask(_Strict):
    PROPERTIES = ("filename", "destination_path", "destination_name", "automated",
                  "replace_existing", "save", "imported_object_paths")


class AssetTools(_Strict):
    @_recorded
    def create_asset(self, asset_name, package_path, asset_class, factory, calling_context=""):
        path = f"{package_path}/{asset_name}"
        if path in ASSETS:
            raise RuntimeError(f"stand-in unreal: create_asset would overwrite {path}")
        expected = {LevelSequence: LevelSequenceFactoryNew, AnimSequence: AnimSequenceFactory}
        assert isinstance(factory, expected[asset_class]), "factory does not make that class"
        asset = asset_class(path)
        if asset_class is AnimSequence:
            asset._props["skeleton"] = factory._props.get("target_skeleton")
        ASSETS[path] = asset
        return asset

    @_recorded
    def import_asset_tasks(self, import_tasks):
        for task in import_tasks:
            props = task._props
            path = f"{props['destination_path']}/{props['destination_name']}"
            if not os.path.isfile(props["filename"]):
                props["imported_object_paths"] = []
                continue
            assert path not in ASSETS or props["replace_existing"], "import would overwrite"
            ASSETS[path] = SoundWave(path, asset_import_data=AssetImportData(props["filename"]))
            props["imported_object_paths"] = [ASSETS[path].get_path_name()]


class AssetToolsHelpers:
    @staticmethod
    @_recorded
    def get_asset_tools():
        return AssetTools()


def _asset_path(path: str) -> str:
    return path.split(".", 1)[0]  # "/Game/A/B.B" -> "/Game/A/B"


class EditorAssetLibrary:
    @staticmethod
    @_recorded
    def does_asset_exist(asset_path):
        return _asset_path(asset_path) in ASSETS

    @staticmethod
    @_recorded
    def load_asset(asset_path):
        return ASSETS.get(_asset_path(asset_path))

    @staticmethod
    @_recorded
    def save_loaded_asset(asset_to_save, only_if_is_dirty=True):
        assert asset_to_save in ASSETS.values(), "saving an asset that was never created"
        return True

    @staticmethod
    @_recorded
    def load_blueprint_class(asset_path):
        return BLUEPRINT_CLASSES.get(asset_path)


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
    def __init__(self, control_rig):
        super().__init__()
        self._props["control_rig"] = control_rig

    @_recorded
    def get_control_rig(self):
        return self._props["control_rig"]


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


class ControlRigSequencerLibrary:
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


# ---------------------------------------------------------------- AnimSequences
class AnimationDataController(_Strict):
    def __init__(self):
        super().__init__(frame_rate=None, frames=None)

    @_recorded
    def set_frame_rate(self, frame_rate, should_transact=True):
        assert isinstance(frame_rate, FrameRate)
        self._props["frame_rate"] = frame_rate

    @_recorded
    def set_number_of_frames(self, length_in_frames, should_transact=True):
        assert isinstance(length_in_frames, FrameNumber) and length_in_frames._props["value"] > 0
        self._props["frames"] = length_in_frames._props["value"]


class AnimSequence(Object):
    PROPERTIES = ("controller", "skeleton")

    def __init__(self, path=""):
        super().__init__(path, controller=AnimationDataController(), skeleton=None, curves={})


class AnimationLibrary:
    @staticmethod
    @_recorded
    def add_curve(animation_sequence, curve_name, curve_type=RawCurveTrackTypes.RCT_FLOAT,
                  metadata_curve=False):
        curves = animation_sequence._props["curves"]
        assert curve_name not in curves, f"curve {curve_name} exists"
        curves[curve_name] = ([], [])

    @staticmethod
    @_recorded
    def add_float_curve_keys(animation_sequence, curve_name, times, values):
        curves = animation_sequence._props["curves"]
        assert curve_name in curves, f"no curve {curve_name}"
        assert len(times) == len(values)
        curves[curve_name][0].extend(float(t) for t in times)
        curves[curve_name][1].extend(float(v) for v in values)


# ------------------------------------------------------------- level and editor
class SkeletalMeshComponent(Object):
    def __init__(self, name, mesh):
        super().__init__(name, mesh=mesh)

    @_recorded
    def get_skeletal_mesh_asset(self):
        return self._props["mesh"]


class Actor(Object):
    def __init__(self, label, components=()):
        super().__init__(label, components=list(components))

    @_recorded
    def get_actor_label(self):
        return self._path

    @_recorded
    def get_components_by_class(self, component_class):
        return [c for c in self._props["components"] if isinstance(c, component_class)]


class World(Object):
    pass


class EditorActorSubsystem(_Strict):
    @_recorded
    def get_all_level_actors(self):
        return list(ACTORS)

    @_recorded
    def get_selected_level_actors(self):
        return list(SELECTED)


class UnrealEditorSubsystem(_Strict):
    @_recorded
    def get_editor_world(self):
        return World("/Game/Maps/Stage")


class EditorUtilityLibrary:
    @staticmethod
    @_recorded
    def get_selected_assets():
        return list(SELECTED_ASSETS)


@_recorded
def get_editor_subsystem(subsystem_class):
    assert subsystem_class in (EditorActorSubsystem, UnrealEditorSubsystem)
    return subsystem_class()


@_recorded
def log(message):
    pass


@_recorded
def log_warning(message):
    pass


@_recorded
def log_error(message):
    pass


class ScopedSlowTask(_Strict):
    def __init__(self, work, desc="", enabled=True):
        super().__init__(work=work, done=0.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @_recorded
    def make_dialog(self, can_cancel=False, allow_in_pie=False):
        pass

    @_recorded
    def enter_progress_frame(self, work=1.0, desc=""):
        self._props["done"] += work
        assert self._props["done"] <= self._props["work"] + 1e-9, "progress beyond total work"

    @_recorded
    def should_cancel(self):
        return False


# ------------------------------------------------------------------------ menus
class ToolMenuEntry(_Strict):
    def __init__(self, name="None", type=MultiBlockType.NONE):
        super().__init__(name=name, type=type)

    @_recorded
    def set_label(self, label):
        self._props["label"] = label

    @_recorded
    def set_tool_tip(self, tool_tip):
        self._props["tool_tip"] = tool_tip

    @_recorded
    def set_string_command(self, type, custom_type, string):
        assert isinstance(type, ToolMenuStringCommandType)
        self._props["command"] = string


class ToolMenu(Object):
    def __init__(self, name):
        super().__init__(name, entries=[], submenus={})

    @_recorded
    def add_sub_menu(self, owner, section_name, name, label, tool_tip=""):
        menu = ToolMenu(f"{self._path}.{name}")
        self._props["submenus"][name] = menu
        return menu

    @_recorded
    def add_menu_entry(self, section_name, args):
        assert isinstance(args, ToolMenuEntry)
        self._props["entries"].append(args)


class ToolMenus(_Strict):
    _instance = None

    @staticmethod
    @_recorded
    def get():
        if ToolMenus._instance is None:
            ToolMenus._instance = ToolMenus(menus={"LevelEditor.MainMenu.Tools":
                                                   ToolMenu("LevelEditor.MainMenu.Tools")})
        return ToolMenus._instance

    @_recorded
    def find_menu(self, name):
        return self._props["menus"].get(name)

    @_recorded
    def refresh_all_widgets(self):
        pass
