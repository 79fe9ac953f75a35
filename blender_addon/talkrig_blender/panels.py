"""The TalkRig sidebar panels in the 3D View (N panel, "TalkRig" tab)."""

from __future__ import annotations

import bpy


class _TalkRigPanel:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "TalkRig"


class TALKRIG_PT_main(_TalkRigPanel, bpy.types.Panel):
    bl_label = "TalkRig"
    bl_idname = "TALKRIG_PT_main"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.talkrig
        layout.operator("talkrig.add_demo_head", icon="USER")
        col = layout.column(align=True)
        col.prop(settings, "use_sequencer_sound")
        row = col.row()
        row.enabled = not settings.use_sequencer_sound
        row.prop(settings, "audio_path")
        layout.prop(settings, "transcript")
        layout.prop(settings, "target")
        layout.prop(settings, "also_selected")
        obj = settings.target or context.active_object
        if obj is not None and hasattr(obj, "talkrig"):
            box = layout.box()
            box.label(text=f"Emotion of {obj.name} (keyable)")
            row = box.row(align=True)
            row.prop(obj.talkrig, "emotion", text="")
            row.prop(obj.talkrig, "intensity", slider=True)
        layout.prop(settings, "engine")
        layout.prop(settings, "start_frame")
        row = layout.row(align=True)
        row.prop(settings, "blink", toggle=True)
        row.prop(settings, "gaze", toggle=True)
        row.prop(settings, "head", toggle=True)
        col = layout.column(align=True)
        col.label(text="Strength")
        col.prop(settings, "strength_mouth", slider=True)
        col.prop(settings, "strength_brows", slider=True)
        col.prop(settings, "strength_eyes", slider=True)
        layout.operator("talkrig.generate", icon="PLAY_SOUND")
        if settings.last_report:
            layout.label(text=settings.last_report, icon="INFO")


class TALKRIG_UL_mapping(bpy.types.UIList):
    """One row per shape key: name and the channel that drives it."""

    def draw_item(self, _context, layout, _data, item, _icon, _active_data, _active_prop):
        row = layout.row(align=True)
        row.label(text=item.name, icon="SHAPEKEY_DATA")
        row.prop(item, "channel", text="", emboss=True)


class TALKRIG_PT_mapping(_TalkRigPanel, bpy.types.Panel):
    bl_label = "Mapping"
    bl_parent_id = "TALKRIG_PT_main"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        layout = self.layout
        settings = context.scene.talkrig
        layout.prop(settings, "profile")
        row = layout.row(align=True)
        row.operator("talkrig.refresh_mapping", icon="FILE_REFRESH")
        row.operator("talkrig.save_mapping", text="", icon="EXPORT")
        row.operator("talkrig.load_mapping", text="", icon="IMPORT")
        layout.prop(settings, "use_custom_mapping")
        layout.template_list("TALKRIG_UL_mapping", "", settings, "mapping", settings,
                             "mapping_index", rows=6)


class TALKRIG_PT_io(_TalkRigPanel, bpy.types.Panel):
    bl_label = "Import / Export"
    bl_parent_id = "TALKRIG_PT_main"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, _context):
        col = self.layout.column(align=True)
        col.operator("talkrig.import_take", icon="IMPORT")
        col.operator("talkrig.export_take", icon="EXPORT")
        row = col.row(align=True)
        row.operator("talkrig.export_gltf")
        row.operator("talkrig.export_fbx")


CLASSES = (TALKRIG_UL_mapping, TALKRIG_PT_main, TALKRIG_PT_mapping, TALKRIG_PT_io)
