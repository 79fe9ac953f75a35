"""Mapping operators: fill the editable table, save and load presets."""

import bpy
from bpy.props import StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from .operators_generate import target_object
from .reporting import run_reported


def profile_channels(profile: str) -> tuple[str, ...]:
    """Channels a take for this rig profile has (ARKit-52 for auto/arkit52)."""
    from talkrig.rigs import ARKIT52, load_rig_json

    if profile in ("metahuman", "flame"):
        return tuple(load_rig_json(profile)["channels"])
    return ARKIT52


def _fill(settings, names: list[str], pairs: dict[str, str]) -> None:
    settings.mapping.clear()
    for name in names:
        item = settings.mapping.add()
        item.name = name
        item.channel = pairs.get(name, "")


class TALKRIG_OT_refresh_mapping(bpy.types.Operator):
    """Match the target's shape keys to ARKit channels by name and list the result"""

    bl_idname = "talkrig.refresh_mapping"
    bl_label = "Auto-Map Shape Keys"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        return run_reported(self, lambda: self._refresh(context))

    def _refresh(self, context) -> str:
        from .apply import shape_key_names
        from .mapping import auto_map

        settings = context.scene.talkrig
        names = shape_key_names(target_object(context))
        found = auto_map(names, profile_channels(settings.profile), settings.profile)
        _fill(settings, names, dict(found.pairs))
        unmapped = ", ".join(found.unmapped_targets[:6])
        more = "..." if len(found.unmapped_targets) > 6 else ""
        return found.summary() + (f" (unmapped: {unmapped}{more})" if unmapped else "")


class TALKRIG_OT_save_mapping(bpy.types.Operator, ExportHelper):
    """Save the mapping table as a JSON preset"""

    bl_idname = "talkrig.save_mapping"
    bl_label = "Save Mapping Preset"

    filename_ext = ".json"
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    def execute(self, context):
        return run_reported(self, lambda: self._save(context))

    def _save(self, context) -> str:
        from .mapping import save_preset

        settings = context.scene.talkrig
        pairs = {item.name: item.channel for item in settings.mapping if item.channel}
        path = save_preset(self.filepath, pairs, settings.profile)
        return f"saved {len(pairs)} pairs to {path}"


class TALKRIG_OT_load_mapping(bpy.types.Operator, ImportHelper):
    """Load a JSON mapping preset into the table and use it"""

    bl_idname = "talkrig.load_mapping"
    bl_label = "Load Mapping Preset"
    bl_options = {"REGISTER", "UNDO"}

    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})

    def execute(self, context):
        return run_reported(self, lambda: self._load(context))

    def _load(self, context) -> str:
        from .apply import shape_key_names
        from .mapping import load_preset

        settings = context.scene.talkrig
        pairs, profile = load_preset(self.filepath)
        names = shape_key_names(target_object(context))
        _fill(settings, names, pairs)
        settings.profile = profile if profile in {"auto", "arkit52", "metahuman",
                                                  "flame"} else "auto"
        settings.use_custom_mapping = True
        matched = sum(1 for n in names if pairs.get(n))
        return f"loaded preset: {matched} of {len(names)} shape keys mapped"


CLASSES = (TALKRIG_OT_refresh_mapping, TALKRIG_OT_save_mapping, TALKRIG_OT_load_mapping)
