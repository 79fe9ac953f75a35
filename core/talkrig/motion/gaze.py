"""Gaze saccades (EmoFace's sampler), turned toward the listener at phrase ends.

Every 15-45 frames at 60 fps (0.25-0.75 s) the eyes jump to a new target at a
radius of 0.1-0.2 (in ARKit eyeLook units) in a random direction, or, with 40 %
probability, back to the centre. Saccades take about 50 ms.

When the speech loudness is known, gaze also follows the turn-taking pattern
Kendon (1967) described for speakers: they look away as a phrase starts (while
planning it) and back at the listener as it ends. At a pause start (see
:mod:`talkrig.motion.pauses`) the eyes return to the centre (probability
BACK_AT_PAUSE_P) and stay there through the pause, for at most MAX_CENTRE_HOLD_S;
when speech resumes after a pause of at least AVERT_AFTER_PAUSE_S they move to a new
off-centre target (probability AVERT_AT_ONSET_P). Both happen a moment before the sound changes (LEAD_S). The
random sampler carries on in between.
"""

from __future__ import annotations

import numpy as np

from talkrig.motion.pauses import speech_pauses
from talkrig.rigs import ARKIT_INDEX

REFERENCE_FPS = 60.0  # EmoFace's interval figures are in frames at 60 fps
INTERVAL_FRAMES = (15, 45)
RADIUS = (0.1, 0.2)
RETURN_TO_CENTRE_P = 0.4
SACCADE_S = 0.05
MAX_YAW_RAD = np.deg2rad(35.0)  # eyeLook = 1 corresponds to this eye yaw
MAX_PITCH_RAD = np.deg2rad(25.0)  # ... and this eye pitch
BACK_AT_PAUSE_P = 0.8
AVERT_AT_ONSET_P = 0.6
AVERT_AFTER_PAUSE_S = 0.3
LEAD_S = 0.1
# Mutual gaze lasts about 1-2 s (Argyle & Cook 1976): through a longer pause the eyes
# hold the listener this long, then wander again (a stare of several seconds looks dead).
MAX_CENTRE_HOLD_S = 1.5
CENTRE, AWAY = "centre", "away"


def speech_gaze_events(loudness: np.ndarray, fps: float,
                       rng: np.random.Generator) -> list[tuple[int, str, int]]:
    """Frames where gaze returns to the listener or turns away, ascending.

    Returns
    -------
    list of (frame, kind, until)
        ``kind`` is CENTRE (a phrase ends; the eyes stay centred until frame
        ``until``, the end of the pause) or AWAY (speech resumes after a pause;
        ``until`` = ``frame``).
    """
    n = len(loudness)
    events = []
    for start_s, end_s in speech_pauses(loudness, fps):
        lead_end = max(0, int(round((end_s - LEAD_S) * fps)))
        if rng.random() < BACK_AT_PAUSE_P:
            back = max(0, int(round((start_s - LEAD_S) * fps)))
            events.append((back, CENTRE, min(lead_end, back + int(MAX_CENTRE_HOLD_S * fps))))
        resumes = end_s * fps < n
        if resumes and end_s - start_s >= AVERT_AFTER_PAUSE_S and rng.random() < AVERT_AT_ONSET_P:
            events.append((lead_end, AWAY, lead_end))
    return sorted(events)


def _random_target(rng: np.random.Generator, allow_centre: bool = True) -> np.ndarray:
    if allow_centre and rng.random() < RETURN_TO_CENTRE_P:
        return np.zeros(2)
    angle = rng.uniform(0, 2 * np.pi)
    return rng.uniform(*RADIUS) * np.array([np.cos(angle), np.sin(angle)])


def gaze_path(n_frames: int, fps: float, rng: np.random.Generator,
              events: list[tuple[int, str, int]] = ()) -> np.ndarray:
    """Gaze direction per frame, shape (T, 2): x (+ = subject's left), y (+ = up).

    ``events`` (frame, CENTRE/AWAY, until), ascending (:func:`speech_gaze_events`),
    start a saccade at ``frame`` toward the centre (held until ``until``) or a new
    off-centre target, cutting short the current fixation.
    """
    path = np.zeros((n_frames, 2))
    current = np.zeros(2)
    frame, hold_until = 0, 0
    ramp = max(1, int(round(SACCADE_S * fps)))
    pending = list(events)
    target = _random_target(rng)
    while frame < n_frames:
        hold = int(round(rng.integers(INTERVAL_FRAMES[0], INTERVAL_FRAMES[1] + 1)
                         * fps / REFERENCE_FPS))
        end = min(n_frames, max(frame + max(hold, ramp), hold_until))
        while len(pending) > 1 and pending[1][0] < frame + ramp:  # superseded
            pending.pop(0)
        forced = None
        if pending and pending[0][0] <= end:  # ends this fixation (never before its saccade)
            at, forced, until = pending.pop(0)
            end, hold_until = min(n_frames, max(at, frame + ramp)), max(until, frame + ramp)
        u = np.clip((np.arange(frame, end) - frame + 1) / ramp, 0, 1)[:, None]
        path[frame:end] = current + (target - current) * u
        current, frame = target, end
        if forced == CENTRE:
            target = np.zeros(2)
        else:
            target = _random_target(rng, allow_centre=forced is None)
    return path


def add_gaze(curves: np.ndarray, fps: float, rng: np.random.Generator,
             loudness: np.ndarray | None = None):
    """Add saccades to the eyeLook channels; with ``loudness`` (T,), 0..1, gaze also
    turns away as phrases start and back as they end.

    Returns
    -------
    curves : np.ndarray, shape (T, 52)
    eye_rotation : np.ndarray, shape (T, 6), float32
        Left eye yaw/pitch/roll, right eye yaw/pitch/roll in radians.
    """
    out = curves.copy()
    events = [] if loudness is None else speech_gaze_events(loudness, fps, rng)
    path = gaze_path(len(out), fps, rng, events)
    x, y = path[:, 0], path[:, 1]
    left, right = np.clip(x, 0, None), np.clip(-x, 0, None)  # looking to subject's left/right
    up, down = np.clip(y, 0, None), np.clip(-y, 0, None)
    for name, value in (("eyeLookOutLeft", left), ("eyeLookInRight", left),
                        ("eyeLookInLeft", right), ("eyeLookOutRight", right),
                        ("eyeLookUpLeft", up), ("eyeLookUpRight", up),
                        ("eyeLookDownLeft", down), ("eyeLookDownRight", down)):
        col = ARKIT_INDEX[name]
        out[:, col] = np.clip(out[:, col] + value, 0, 1)
    yaw, pitch = x * MAX_YAW_RAD, y * MAX_PITCH_RAD
    zero = np.zeros_like(yaw)
    eyes = np.stack([yaw, pitch, zero, yaw, pitch, zero], axis=1).astype(np.float32)
    return out, eyes
