"""Import and export operators: takes, Live Link Face CSV, glTF and FBX."""

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty
from bpy_extras.io_utils import ExportHelper, ImportHelper

from .operators_generate import mapping_pairs, target_object
from .reporting import run_reported


class TALKRIG_OT_import_take(bpy.types.Operator, ImportHelper):
    """Key a take file (.take.json, .npz or Live Link Face .csv) onto the target"""

    bl_idname = "talkrig.import_take"
    bl_label = "Import Take"
    bl_options = {"REGISTER", "UNDO"}

    filter_glob: StringProperty(default="*.json;*.npz;*.csv", options={"HIDDEN"})
    start_frame: IntProperty(name="Start Frame", default=1,
                             description="Scene frame of the take's first frame")

    def execute(self, context):
        return run_reported(self, lambda: self._import(context))

    def _import(self, context) -> str:
        from . import api

        settings = context.scene.talkrig
        obj = target_object(context)
        take = api.read_take(self.filepath)
        result = api.apply_take(obj, take, start_frame=self.start_frame,
                                pairs=mapping_pairs(settings), profile=settings.profile,
                                action_name=f"TalkRig {bpy.path.display_name(self.filepath)}")
        return (f"imported {take.n_frames} frames at {take.fps:g} fps onto {obj.name!r}: "
                f"{result.mapping.summary()}")


class TALKRIG_OT_export_take(bpy.types.Operator, ExportHelper):
    """Write the target's shape-key animation (scene frame range) as a take file"""

    bl_idname = "talkrig.export_take"
    bl_label = "Export Take"

    filename_ext = ".take.json"  # the name the file browser suggests
    # The format follows the extension the user types (.take.json, .npz, .csv), so the
    # browser must not force one: ExportHelper's check() would strip ".json" alone and
    # append ".take.json", turning "a.take.json" into "a.take.take.json".
    check_extension = None
    filter_glob: StringProperty(default="*.json;*.npz;*.csv", options={"HIDDEN"})
    overwrite: BoolProperty(name="Overwrite", default=False,
                            description="Replace an existing file")

    def execute(self, context):
        return run_reported(self, lambda: self._export(context))

    def _export(self, context) -> str:
        from . import api

        obj = target_object(context)
        take = api.export_take(obj)
        path = with_overwrite_hint(api.write_take, take, self.filepath, force=self.overwrite)
        return f"wrote {take.n_frames} frames x {len(take.channels)} channels to {path}"


class TALKRIG_OT_export_gltf(bpy.types.Operator, ExportHelper):
    """Export the target with its shape-key animation as glTF morph targets"""

    bl_idname = "talkrig.export_gltf"
    bl_label = "Export glTF"

    filename_ext = ".glb"
    filter_glob: StringProperty(default="*.glb;*.gltf", options={"HIDDEN"})
    overwrite: BoolProperty(name="Overwrite", default=False,
                            description="Replace an existing file")

    def execute(self, context):
        from . import api

        return run_reported(self, lambda: "wrote " + with_overwrite_hint(
            api.export_gltf, target_object(context), self.filepath, force=self.overwrite))


class TALKRIG_OT_export_fbx(bpy.types.Operator, ExportHelper):
    """Export the target with its shape keys and animation as FBX"""

    bl_idname = "talkrig.export_fbx"
    bl_label = "Export FBX"

    filename_ext = ".fbx"
    filter_glob: StringProperty(default="*.fbx", options={"HIDDEN"})
    overwrite: BoolProperty(name="Overwrite", default=False,
                            description="Replace an existing file")

    def execute(self, context):
        from . import api

        return run_reported(self, lambda: "wrote " + with_overwrite_hint(
            api.export_fbx, target_object(context), self.filepath, force=self.overwrite))


def with_overwrite_hint(export, *args, **kwargs):
    """Call ``export``; a refused existing file names the browser's Overwrite option."""
    from talkrig.errors import OutputExistsError

    try:
        return export(*args, **kwargs)
    except OutputExistsError as exc:
        raise OutputExistsError(exc.path, "tick Overwrite to replace it") from None


CLASSES = (TALKRIG_OT_import_take, TALKRIG_OT_export_take, TALKRIG_OT_export_gltf,
           TALKRIG_OT_export_fbx)
