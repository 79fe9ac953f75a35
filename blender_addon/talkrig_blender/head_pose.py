"""A take's head pose (yaw, pitch, roll) -> the object's delta rotation.

Delta rotation adds to whatever rotation the object has, so the head keeps its
placement in the scene (and any rotation the user animated) and only sways around
it. The keys go into a new object-level action; an action the object already had is
kept on an NLA track, as for the shape keys.

Axes: Blender is Z-up and the demo head faces -Y, so yaw (turning) is about Z,
pitch (nodding) about X and roll (tilting) about Y.
"""

from __future__ import annotations

import bpy
import numpy as np

from . import actions, keyframes

DELTA_ROTATION = "delta_rotation_euler"
AXIS_OF = {"pitch": 0, "roll": 1, "yaw": 2}  # delta_rotation_euler index per take axis
TAKE_AXES = ("yaw", "pitch", "roll")  # column order of Take.head_pose
GROUP = "TalkRig head"


def key_head_pose(obj: bpy.types.Object, take, start: int, scene_fps: float,
                  name: str) -> str | None:
    """Key ``take.head_pose`` on ``obj.delta_rotation_euler`` from frame ``start``.

    Returns
    -------
    str or None
        The previous object action kept on an NLA track, if there was one.
    """
    pose = keyframes.resample(take.head_pose, take.fps, scene_fps)  # (T, 3) radians
    action, slot, channels = actions.new_action(obj, f"{name} head")
    for column, axis in enumerate(TAKE_AXES):
        coords = keyframes.key_coordinates(pose[:, column].astype(np.float32), start)
        actions.write_curve(channels, DELTA_ROTATION, coords, GROUP, index=AXIS_OF[axis])
    return actions.assign_action(obj, action, slot)
