"""FLAME jaw pose -> the ``jaw`` bone of the FLAME Blender add-on's armature.

FLAME takes carry the jaw as an axis-angle vector (``jaw_rx, jaw_ry, jaw_rz``,
radians; pose indices 6-8). It is keyed on the pose bone named ``jaw``, in that
bone's own rotation mode (quaternion, axis-angle or an Euler order), read in the
bone's local frame (the FLAME add-on builds its bones aligned with the model's axes,
as the SMPL-family add-ons do).
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
    bone = armature.pose.bones[JAW_BONE]
    prop, rotations = rotation_keys(axis_angle_to_quaternions(pose), bone.rotation_mode)
    action, slot, channels = actions.new_action(armature, f"{name} jaw")
    path = f'pose.bones["{JAW_BONE}"].{prop}'
    for index in range(rotations.shape[1]):
        coords = keyframes.key_coordinates(rotations[:, index], start)
        actions.write_curve(channels, path, coords, group=JAW_BONE, index=index)
    kept = actions.assign_action(armature, action, slot)
    if kept:
        return f"the armature's previous action {kept!r} is kept on an NLA track"
    return None


def rotation_keys(quats: np.ndarray, mode: str) -> tuple[str, np.ndarray]:
    """Rotations (T, 4) as (w, x, y, z) -> the pose-bone property for ``mode`` and its
    values: ``rotation_quaternion`` (T, 4), ``rotation_axis_angle`` (T, 4) as (angle, x,
    y, z), or ``rotation_euler`` (T, 3) in the Euler order ``mode`` names. The bone keeps
    the rotation mode its rigger chose, so other animation of it still plays."""
    if mode == "QUATERNION":
        return "rotation_quaternion", quats
    from mathutils import Quaternion

    turns = [Quaternion(q) for q in quats]
    if mode == "AXIS_ANGLE":
        rows = [(angle, *axis) for axis, angle in (t.to_axis_angle() for t in turns)]
        return "rotation_axis_angle", np.array(rows, np.float32)
    rows, previous = [], None
    for turn in turns:  # each Euler compatible with the last: no 360-degree jumps
        previous = turn.to_euler(mode) if previous is None else turn.to_euler(mode, previous)
        rows.append(tuple(previous))
    return "rotation_euler", np.array(rows, np.float32)
