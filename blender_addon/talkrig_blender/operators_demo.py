"""The "Add Demo Head" operator."""

from __future__ import annotations

import bpy

from .reporting import run_reported


class TALKRIG_OT_add_demo_head(bpy.types.Operator):
    """Add the ICT-FaceKit demo head with ARKit shape keys (MIT, USC ICT)"""

    bl_idname = "talkrig.add_demo_head"
    bl_label = "Add Demo Head"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        return run_reported(self, lambda: self._add(context))

    def _add(self, context) -> str:
        from .demo_head import build_demo_head

        obj = build_demo_head(context)
        for other in list(context.selected_objects):
            other.select_set(False)
        obj.select_set(True)
        context.view_layer.objects.active = obj
        context.scene.talkrig.target = obj
        n_keys = len(obj.data.shape_keys.key_blocks) - 1
        return f"added {obj.name!r} with {n_keys} ARKit shape keys"


CLASSES = (TALKRIG_OT_add_demo_head,)
