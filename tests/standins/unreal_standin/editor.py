"""Stand-in ``unreal``: level actors, editor subsystems, logging, progress, menus."""

from __future__ import annotations

from ._base import (ACTORS, MENUS, SELECTED, SELECTED_ASSETS, MultiBlockType, Object,
                    ToolMenuStringCommandType, _recorded, _Strict)


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
def log(arg):
    pass


@_recorded
def log_warning(arg):
    pass


@_recorded
def log_error(arg):
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
    @staticmethod
    @_recorded
    def get():
        if "instance" not in MENUS:
            tools = ToolMenu("LevelEditor.MainMenu.Tools")
            MENUS["instance"] = ToolMenus(menus={"LevelEditor.MainMenu.Tools": tools})
        return MENUS["instance"]

    @_recorded
    def find_menu(self, name):
        return self._props["menus"].get(name)

    @_recorded
    def refresh_all_widgets(self):
        pass
