"""TalkRig for Blender: speech audio + emotion -> shape-key animation.

Importing this package does not import bpy, so its pure modules (``mapping``,
``keyframes``, ``demo_head_data``) are usable and testable anywhere; Blender
calls :func:`register` / :func:`unregister`. TDs use :mod:`.api`.
"""

from __future__ import annotations

_MODULES = ("properties", "preferences", "operators_generate", "operators_demo",
            "operators_io", "operators_mapping", "panels")  # registration order


def _classes() -> list:
    import importlib

    classes = []
    for name in _MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        classes.extend(module.CLASSES)
    return classes


def _menu_import(self, _context):
    self.layout.operator("talkrig.import_take", text="TalkRig Take (.take.json/.csv/.npz)")


def register() -> None:
    """Register classes, properties and menu entries (mirror of :func:`unregister`)."""
    import bpy

    from .properties import register_properties

    for cls in _classes():
        bpy.utils.register_class(cls)
    register_properties()
    bpy.types.TOPBAR_MT_file_import.append(_menu_import)


def unregister() -> None:
    """Remove everything :func:`register` added, in reverse order."""
    import bpy

    from .properties import unregister_properties

    bpy.types.TOPBAR_MT_file_import.remove(_menu_import)
    unregister_properties()
    for cls in reversed(_classes()):
        bpy.utils.unregister_class(cls)
