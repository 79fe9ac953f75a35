"""FLAME jaw pose -> the ``jaw`` bone of the FLAME Blender add-on's armature.

FLAME takes carry the jaw as an axis-angle vector (``jaw_rx, jaw_ry, jaw_rz``,
radians; pose indices 6-8). It is keyed as a quaternion on the pose bone named
``jaw``, read in the bone's local frame (the FLAME add-on builds its bones aligned
with the model's axes, as the SMPL-family add-ons do).
"""

from __future__ import annotations

import bpy
import numpy as np

from . import actions, keyframes

JAW_CHANNELS = ("jaw_rx", "jaw_ry", "jaw_rz")
JAW_BONE = "jaw"
SMALL_ANGLE = 1e-8  # radians: below this the rotation axis is undefined


def axis_angle_to_quaternions(vectors: np.ndarray) -> np.ndarray:
    """Axis-angle vectors (T, 3) -> unit quaternions (T, 4) as (w, x, y, z)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    angle = np.linalg.norm(vectors, axis=1)
    safe = np.where(angle > SMALL_ANGLE, angle, 1.0)
    axis = vectors / safe[:, None]
    half = angle / 2.0
    quats = np.concatenate([np.cos(half)[:, None], axis * np.sin(half)[:, None]], axis=1)
    quats[angle <= SMALL_ANGLE] = (1.0, 0.0, 0.0, 0.0)
    return quats.astype(np.float32)


def key_flame_jaw(obj: bpy.types.Object, take, start: int, scene_fps: float,
                  name: str) -> str | None:
    """Key the take's jaw pose on the armature deforming ``obj``.

    Returns a warning line when the take has jaw channels but there is no armature
    with a ``jaw`` bone, else None.
    """
    if not all(c in take.channels for c in JAW_CHANNELS):
        return None
    armature = obj.find_armature()
    if armature is None or JAW_BONE not in armature.pose.bones:
        return f"jaw pose not applied: {obj.name!r} has no armature with a '{JAW_BONE}' bone"
    columns = [take.channels.index(c) for c in JAW_CHANNELS]
    pose = keyframes.resample(take.values[:, columns], take.fps, scene_fps)  # (T, 3)
    quats = axis_angle_to_quaternions(pose)  # (T, 4)
    bone = armature.pose.bones[JAW_BONE]
    bone.rotation_mode = "QUATERNION"
    action, slot, channels = actions.new_action(armature, f"{name} jaw")
    path = f'pose.bones["{JAW_BONE}"].rotation_quaternion'
    for index in range(4):
        coords = keyframes.key_coordinates(quats[:, index], start)
        actions.write_curve(channels, path, coords, group=JAW_BONE, index=index)
    actions.assign_action(armature, action, slot)
    return None
