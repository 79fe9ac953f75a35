"""Read the emotion an animator keyed on an object (``Object.talkrig``)."""

from __future__ import annotations

import bpy
import numpy as np

from talkrig.emotion import EMOTIONS, EmotionTrack

from . import actions, keyframes

EMOTION_PATH = "talkrig.emotion"
INTENSITY_PATH = "talkrig.intensity"


def keyed_emotion_track(obj: bpy.types.Object, first_frame: int, n_frames: int,
                        fps: float) -> EmotionTrack:
    """The object's emotion over ``n_frames`` scene frames from ``first_frame``.

    Keyed ``talkrig.emotion`` / ``talkrig.intensity`` F-curves are sampled once per
    frame, from the object's action or, when head motion has since given the object a
    new action, from the action kept on an NLA track; unkeyed properties contribute
    their current value. Time 0 of the track is ``first_frame`` (where the audio starts).
    """
    curves = {}  # the active action's keys win, then the most recently kept action's
    for curve in actions.action_fcurves(obj) + actions.kept_fcurves(obj):
        curves.setdefault(curve.data_path, curve)
    frames = first_frame + np.arange(n_frames)
    settings = obj.talkrig
    if EMOTION_PATH in curves:
        index = np.rint(actions.sample_curve(curves[EMOTION_PATH], frames)).astype(int)
        labels = [EMOTIONS[int(np.clip(i, 0, len(EMOTIONS) - 1))] for i in index]
    else:
        labels = [settings.emotion] * n_frames
    if INTENSITY_PATH in curves:
        intensity = actions.sample_curve(curves[INTENSITY_PATH], frames)
    else:
        intensity = np.full(n_frames, settings.intensity, dtype=np.float32)
    return keyframes.emotion_track_from_frames(labels, intensity, fps)


def key_emotion(obj: bpy.types.Object, frame: int, emotion: str,
                intensity: float = 1.0) -> None:
    """Key ``emotion`` at ``intensity`` on ``obj`` at ``frame`` (TD helper)."""
    if emotion not in EMOTIONS:
        from talkrig.errors import TalkRigError
        raise TalkRigError(f"unknown emotion {emotion!r} (choose from: {', '.join(EMOTIONS)})")
    obj.talkrig.emotion = emotion
    obj.talkrig.intensity = intensity
    obj.keyframe_insert(EMOTION_PATH, frame=frame)
    obj.keyframe_insert(INTENSITY_PATH, frame=frame)
