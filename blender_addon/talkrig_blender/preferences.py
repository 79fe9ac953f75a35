"""Add-on preferences (keyed by the package name, which extensions rename)."""

import bpy
from bpy.props import StringProperty

PACKAGE = __package__  # "bl_ext.<repo>.talkrig" when installed as an extension


class TalkRigPreferences(bpy.types.AddonPreferences):
    bl_idname = PACKAGE

    flame_map: StringProperty(name="FLAME Map File", subtype="FILE_PATH",
                              description="ARKit->FLAME matrix file (needed by the FLAME "
                              "profile; see rigs/FLAME.md)")

    def draw(self, _context):
        self.layout.prop(self, "flame_map")
        self.layout.label(text="TalkRig core and engines are bundled with this extension.")


def preferences(context=None):
    """This add-on's preferences, or None when it runs outside an add-on install."""
    context = context or bpy.context
    addon = context.preferences.addons.get(PACKAGE)
    return addon.preferences if addon is not None else None


CLASSES = (TalkRigPreferences,)
