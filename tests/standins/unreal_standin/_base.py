"""Stand-in ``unreal``: call recording, strict base classes, structs and enums."""

from __future__ import annotations

import enum
import functools
import inspect

CALLS: list[tuple[str, dict]] = []  # (qualified name, bound arguments) per call
ASSETS: dict[str, object] = {}  # asset path (/Game/Folder/Name) -> asset
ACTORS: list = []  # level actors
SELECTED: list = []  # selected level actors
SELECTED_ASSETS: list = []  # assets selected in the Content Browser
BLUEPRINT_CLASSES: dict[str, object] = {}  # asset path -> Control Rig class stand-in
MENUS: dict[str, object] = {}  # the ToolMenus singleton, under "instance"
OPEN_IN_SEQUENCER: list = []  # the Level Sequence open in the Sequencer editor, if any


def reset() -> None:
    """Empty editor: no calls, assets or actors."""
    for registry in (CALLS, ASSETS, ACTORS, SELECTED, SELECTED_ASSETS, BLUEPRINT_CLASSES, MENUS,
                     OPEN_IN_SEQUENCER):
        registry.clear()


def calls(name: str) -> list[dict]:
    """Bound arguments of every recorded call to ``name`` ("LevelSequence.set_display_rate")."""
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
