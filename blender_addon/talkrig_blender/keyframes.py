"""Take curves -> keyframe arrays ready for ``foreach_set`` (pure NumPy, no bpy).

Blender keys live on scene frames; a take has its own rate. Curves are resampled
to the scene rate so that there is one key per scene frame and the key values are
the take's values at those times.
"""

from __future__ import annotations

import numpy as np

from talkrig.emotion import EMOTIONS, EmotionKey, EmotionTrack
from talkrig.take import resample_frames

from .mapping import region_of

FPS_MATCH_TOL = 1e-6  # rates closer than this are the same rate


def resample(values: np.ndarray, src_fps: float, dst_fps: float) -> np.ndarray:
    """Linearly resample curves to another frame rate.

    Parameters
    ----------
    values : np.ndarray, shape (T, C)
    src_fps, dst_fps : float

    Returns
    -------
    np.ndarray, shape (T', C), float32
        ``T' = round((T - 1) * dst_fps / src_fps) + 1`` frames covering the same span.
    """
    values = np.asarray(values, dtype=np.float32)
    if abs(src_fps - dst_fps) < FPS_MATCH_TOL or len(values) < 2:
        return values
    n_out = int(round((len(values) - 1) * dst_fps / src_fps)) + 1
    return resample_frames(values, src_fps, dst_fps, n_out)


def region_gains(channels: tuple[str, ...], mouth: float = 1.0, brows: float = 1.0,
                 eyes: float = 1.0) -> np.ndarray:
    """Per-channel strength from per-region strengths, shape (C,) float32."""
    table = {"mouth": mouth, "brows": brows, "eyes": eyes}
    return np.array([table.get(region_of(c), 1.0) for c in channels], dtype=np.float32)


def key_coordinates(values: np.ndarray, start_frame: float) -> np.ndarray:
    """Interleaved (frame, value) pairs for ``keyframe_points.foreach_set("co", ...)``.

    Parameters
    ----------
    values : np.ndarray, shape (T,)
        One curve, one value per scene frame.
    start_frame : float
        Scene frame of the first value.

    Returns
    -------
    np.ndarray, shape (2 * T,), float32
    """
    co = np.empty((len(values), 2), dtype=np.float32)
    co[:, 0] = start_frame + np.arange(len(values), dtype=np.float32)
    co[:, 1] = values
    return co.ravel()


def emotion_track_from_frames(labels: list[str], intensities: np.ndarray,
                              fps: float, decimals: int = 3) -> EmotionTrack:
    """An emotion track that reproduces per-frame keyed values exactly.

    The animator's keyed ``emotion`` / ``intensity`` properties are sampled once per
    frame; a key is made wherever the (label, intensity) pair changes, with no blend
    (the F-curves already interpolate), so ``track.vectors(fps, T)`` gives back the
    sampled values.

    Parameters
    ----------
    labels : list of str, length T
        Emotion label per frame (one of ``talkrig.emotion.EMOTIONS``).
    intensities : np.ndarray, shape (T,)
        Intensity per frame, clipped to 0..1.
    fps : float
        Rate of the samples.
    """
    keys: list[EmotionKey] = []
    last = None
    rounded = np.round(np.clip(np.asarray(intensities, dtype=np.float64), 0.0, 1.0), decimals)
    for frame, (label, value) in enumerate(zip(labels, rounded)):
        if label not in EMOTIONS:
            raise ValueError(f"unknown emotion {label!r}")
        if (label, value) != last:
            keys.append(EmotionKey(frame / fps, label, float(value)))
            last = (label, value)
    if not keys:
        keys.append(EmotionKey(0.0, "neutral", 0.0))
    return EmotionTrack(tuple(keys), transition_s=0.0)
