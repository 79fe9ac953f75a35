"""A front camera and Workbench settings for quick renders of a head."""

from __future__ import annotations

import math

import bpy
import numpy as np
from mathutils import Vector

CAMERA_NAME = "TalkRig Preview Camera"
LENS_MM = 85.0  # portrait lens: little perspective distortion on the face
FRAME_MARGIN = 1.15  # head height in view = bounding-box height * margin
FACE_FRONT = Vector((0.0, -1.0, 0.0))  # the demo head looks toward -Y (Blender front view)
MOVE_EPS = 1e-5  # metres: a vertex moves when its offset exceeds this


def setup_workbench(scene: bpy.types.Scene, size: int = 256) -> None:
    """Workbench, studio light, material colours, square ``size`` px output."""
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    shading = scene.display.shading
    shading.light = "STUDIO"
    shading.color_type = "MATERIAL"
    shading.show_cavity = False
    scene.render.film_transparent = False
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"


def add_front_camera(scene: bpy.types.Scene, obj: bpy.types.Object,
                     vertex_indices: np.ndarray | None = None,
                     margin: float = FRAME_MARGIN) -> bpy.types.Object:
    """A camera framing ``obj`` (or some of its vertices) from the front; made active.

    The camera looks along +Y with Z up, at the bounding box of ``vertex_indices``
    (all of the object when None).
    """
    if vertex_indices is None:
        corners = np.array([obj.matrix_world @ Vector(c) for c in obj.bound_box])
    else:
        corners = np.array([obj.matrix_world @ obj.data.vertices[i].co
                            for i in vertex_indices.tolist()])
    low, high = corners.min(0), corners.max(0)
    center = Vector((low + high) / 2)
    height = float(max(high[2] - low[2], high[0] - low[0])) * margin
    cam_data = bpy.data.cameras.get(CAMERA_NAME) or bpy.data.cameras.new(CAMERA_NAME)
    cam_data.lens = LENS_MM
    cam_data.sensor_fit = "VERTICAL"
    fov = 2.0 * math.atan(cam_data.sensor_height / (2.0 * LENS_MM))
    distance = height / (2.0 * math.tan(fov / 2.0)) + float(high[1] - low[1]) / 2
    camera = bpy.data.objects.get(CAMERA_NAME) or bpy.data.objects.new(CAMERA_NAME, cam_data)
    if camera.name not in scene.collection.objects:
        scene.collection.objects.link(camera)
    camera.location = center + FACE_FRONT * distance
    camera.rotation_euler = (math.pi / 2, 0.0, 0.0)  # look along +Y, Z up
    scene.camera = camera
    return camera


def moving_vertices(obj: bpy.types.Object, key_names: tuple[str, ...],
                    eps: float = MOVE_EPS) -> np.ndarray:
    """Indices of vertices that any of the named shape keys moves by more than ``eps`` m."""
    blocks = obj.data.shape_keys.key_blocks
    n = len(obj.data.vertices)
    basis = np.empty(n * 3, dtype=np.float32)
    blocks[0].data.foreach_get("co", basis)
    moved = np.zeros(n, dtype=bool)
    for name in key_names:
        if name in blocks:
            co = np.empty(n * 3, dtype=np.float32)
            blocks[name].data.foreach_get("co", co)
            moved |= np.abs(co - basis).reshape(n, 3).max(1) > eps
    return np.flatnonzero(moved)


def pixel_box(scene: bpy.types.Scene, obj: bpy.types.Object,
              vertex_indices: np.ndarray) -> tuple[int, int, int, int]:
    """Image-space box (x0, y0, x1, y1), rows from the top, around some vertices."""
    from bpy_extras.object_utils import world_to_camera_view

    size_x, size_y = scene.render.resolution_x, scene.render.resolution_y
    pts = [world_to_camera_view(scene, scene.camera, obj.matrix_world @ obj.data.vertices[i].co)
           for i in vertex_indices.tolist()]
    xs = np.array([p.x for p in pts]) * size_x
    ys = (1.0 - np.array([p.y for p in pts])) * size_y
    return (int(max(0, xs.min())), int(max(0, ys.min())),
            int(min(size_x, math.ceil(xs.max()))), int(min(size_y, math.ceil(ys.max()))))


def render_frame(scene: bpy.types.Scene, frame: int, path: str) -> np.ndarray:
    """Render ``frame`` to ``path`` (PNG) and return it as (H, W, 3) float32, top row first."""
    scene.frame_set(frame)
    scene.render.filepath = path
    bpy.ops.render.render(write_still=True)
    image = bpy.data.images.load(path, check_existing=False)
    try:
        image.reload()  # make sure the pixels come from this file, not a stale buffer
        w, h = image.size
        pixels = np.empty(w * h * image.channels, dtype=np.float32)
        image.pixels.foreach_get(pixels)
        return pixels.reshape(h, w, image.channels)[::-1, :, :3].copy()
    finally:
        bpy.data.images.remove(image)
