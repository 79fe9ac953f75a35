"""Python API for pipeline TDs: drive TalkRig from bpy scripts.

Example (``blender -b scene.blend -P script.py`` or plain Python with ``bpy``)::

    import bpy
    from talkrig_blender import api          # bl_ext.user_default.talkrig.api in Blender

    head = api.build_demo_head()
    result = api.generate(head, "/data/line_001.wav", emotion="happy:0.8")
    print(result.applied.mapping.summary())
    take = api.read_take("/data/line_002.take.json")
    api.apply_take(head, take, start_frame=200)
    api.export_gltf(head, "/out/head.glb")
"""

from __future__ import annotations

import contextlib
import os

import bpy

from talkrig.errors import TalkRigError
from talkrig.take import Take

from .apply import ApplyResult, apply_take, export_take
from .demo_head import build_demo_head
from .emotion_keys import key_emotion
from .generation import GenerateResult, generate_on_object

__all__ = ["ApplyResult", "GenerateResult", "apply_take", "build_demo_head", "export_fbx",
           "export_gltf", "export_take", "generate", "key_emotion", "read_take",
           "write_take"]


def generate(obj: bpy.types.Object, audio: str | os.PathLike, emotion: str | dict | None = None,
             **options) -> GenerateResult:
    """Generate facial animation for ``obj`` from an audio file.

    Parameters
    ----------
    obj : bpy.types.Object
        Mesh whose shape keys are animated.
    audio : path
        Speech file.
    emotion : str or dict, optional
        ``"happy:0.8"``, a timeline ``"neutral@0,angry:0.9@1.5"`` or a JSON track; when
        None, the emotion keyed on ``obj.talkrig`` is used.
    **options
        ``engine``, ``text``, ``start_frame``, ``blink``, ``gaze``, ``head`` (sway the
        object by its delta rotation), ``also`` (other meshes of the character to key
        with the same take), ``seed``, ``pairs``, ``profile``, ``strength``,
        ``mouth``, ``brows``, ``eyes``, ``action_name``, ``add_sound``, ``progress``.
    """
    return generate_on_object(obj, os.fspath(audio), emotion=emotion, **options)


def read_take(path: str | os.PathLike) -> Take:
    """Read a ``.take.json``, ``.npz`` or Live Link Face ``.csv`` take."""
    from talkrig.formats import read_take as _read

    return _read(path)


def write_take(take: Take, path: str | os.PathLike, force: bool = False):
    """Write a take; the format follows the extension."""
    from talkrig.formats import write_take as _write

    return _write(take, path, force=force)


@contextlib.contextmanager
def _only_selected(obj: bpy.types.Object):
    """Within the block only ``obj`` is selected and active (exporters read the
    selection); the user's selection and active object come back afterwards."""
    layer = bpy.context.view_layer
    selected, active = list(bpy.context.selected_objects), layer.objects.active
    for other in selected:
        other.select_set(False)
    obj.select_set(True)
    layer.objects.active = obj
    try:
        yield
    finally:
        obj.select_set(False)
        for other in selected:
            if other.name in layer.objects:  # still in the scene
                other.select_set(True)
        layer.objects.active = active


def _check_output(path: str | os.PathLike, force: bool) -> str:
    from talkrig.atomic import check_writable

    return os.fspath(check_writable(path, force=force))


def export_gltf(obj: bpy.types.Object, path: str | os.PathLike, force: bool = False) -> str:
    """Export ``obj`` with its shape-key animation as glTF morph-target animation.

    ``.glb`` writes one binary file, ``.gltf`` JSON plus a ``.bin``.
    """
    path = _check_output(path, force)
    if not path.lower().endswith((".glb", ".gltf")):
        raise TalkRigError("glTF output must end in .glb or .gltf", path)
    with _only_selected(obj):
        bpy.ops.export_scene.gltf(
            filepath=path, use_selection=True, export_format="GLB" if path.lower().endswith(
                ".glb") else "GLTF_SEPARATE", export_morph=True, export_animations=True,
            export_morph_animation=True, export_apply=False)
    return path


def export_fbx(obj: bpy.types.Object, path: str | os.PathLike, force: bool = False) -> str:
    """Export ``obj`` with shape keys and their animation as FBX."""
    path = _check_output(path, force)
    if not path.lower().endswith(".fbx"):
        raise TalkRigError("FBX output must end in .fbx", path)
    # A scene bake (not per-action/NLA export) is what carries shape-key animation:
    # the object itself has no action, its shape keys do.
    with _only_selected(obj):
        bpy.ops.export_scene.fbx(filepath=path, use_selection=True, bake_anim=True,
                                 bake_anim_use_all_actions=False,
                                 bake_anim_use_nla_strips=False, use_mesh_modifiers=False)
    return path
