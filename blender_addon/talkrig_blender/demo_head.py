"""Build the demo head (ICT-FaceKit derived) as a Blender mesh with ARKit shape keys."""

from __future__ import annotations

import bpy
import numpy as np

from .demo_head_data import FEATURE_MATERIALS, DemoHead, feature_face_materials, load_demo_head

DEMO_NAME = "TalkRig Demo Head"
# Viewport / Workbench colours (linear RGBA) for the material slots of the asset.
MATERIAL_COLORS = {"skin": (0.80, 0.55, 0.45, 1.0), "mouth": (0.55, 0.12, 0.14, 1.0),
                   "teeth": (0.92, 0.90, 0.84, 1.0), "sclera": (0.95, 0.95, 0.95, 1.0),
                   "iris": (0.12, 0.22, 0.35, 1.0), "brows": (0.16, 0.10, 0.07, 1.0),
                   "lips": (0.60, 0.30, 0.28, 1.0)}


def _material(name: str) -> bpy.types.Material:
    full = f"TalkRig {name}"
    mat = bpy.data.materials.get(full) or bpy.data.materials.new(full)
    color = MATERIAL_COLORS.get(name, (0.8, 0.8, 0.8, 1.0))
    mat.diffuse_color = color
    mat.roughness = 0.6
    return mat


def _mesh(head: DemoHead, name: str) -> bpy.types.Mesh:
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(head.positions.tolist(), [], head.faces())
    uv_layer = mesh.uv_layers.new(name="UVMap")
    uv_layer.data.foreach_set("uv", head.corner_uvs.ravel())
    for mat_name in head.material_names + FEATURE_MATERIALS:
        mesh.materials.append(_material(mat_name))
    mesh.polygons.foreach_set("material_index", feature_face_materials(head).astype(np.int32))
    mesh.polygons.foreach_set("use_smooth", np.ones(len(mesh.polygons), dtype=bool))
    mesh.update()
    return mesh


def build_demo_head(context=None, name: str = DEMO_NAME,
                    head: DemoHead | None = None) -> bpy.types.Object:
    """Create the demo head object in the active collection and return it.

    It has a ``Basis`` key plus one shape key per ARKit channel the asset provides
    (51: ICT-FaceKit has no ``tongueOut``).
    """
    context = context or bpy.context
    head = head or load_demo_head()
    obj = bpy.data.objects.new(name, _mesh(head, name))
    collection = context.collection or context.scene.collection
    collection.objects.link(obj)
    obj.shape_key_add(name="Basis", from_mix=False)
    for index, shape_name in enumerate(head.shape_names):
        block = obj.shape_key_add(name=shape_name, from_mix=False)
        block.data.foreach_set("co", head.shape_positions(index).ravel())
        block.slider_min, block.slider_max = 0.0, 1.0
    obj.data.shape_keys.name = f"{name} Keys"
    return obj
