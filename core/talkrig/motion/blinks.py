"""Blinks with log-normal intervals (EmoFace's speaking blink statistics), timed to pauses.

EmoFace models the speaking blink rate as log-normal: ln(blinks per minute) has
mean 3.518 and standard deviation 0.532 (median exp(3.518) = 33.7 blinks/min).
Each interval is drawn from that rate; a blink closes fast and opens slower.

Speakers do not blink at random moments: blinks gather at the ends of phrases and
in pauses (Ponder & Kennedy 1927; Cummins 2012, "Gaze and blinking in dyadic
conversation"), and a blink in the middle of a stressed word reads as a tic. When
the speech loudness is known, a blink that falls due near the start of a pause is
moved into it; the rate is unchanged.
"""

from __future__ import annotations

import numpy as np

from talkrig.motion.pauses import speech_pauses
from talkrig.rigs import ARKIT_INDEX

LOG_RATE_MEAN = 3.518  # ln(blinks/min) while speaking
LOG_RATE_STD = 0.532
SECONDS_PER_MINUTE = 60.0
CLOSE_S = 0.08  # lid closing time
HOLD_S = 0.03  # fully closed
OPEN_S = 0.15  # lid opening time (slower than closing)
MIN_GAP_S = 0.6  # never two blinks closer than this
FIRST_BLINK_MIN_S = 0.3  # no blink in the very first frames
BLINK_CHANNELS = ("eyeBlinkLeft", "eyeBlinkRight")
# A blink due within SNAP_WINDOW_S of a pause's start (talkrig.motion.pauses) moves to
# INTO_PAUSE_S after it (the lids close as the voice stops).
SNAP_WINDOW_S = 0.8
INTO_PAUSE_S = 0.05


def blink_times(duration_s: float, rng: np.random.Generator, rate: float = 1.0) -> np.ndarray:
    """Blink start times in seconds, shape (K,).

    ``rate`` multiplies the blink rate (2.0 blinks twice as often).
    """
    if rate <= 0:
        return np.zeros(0)
    times = []
    t = FIRST_BLINK_MIN_S + rng.uniform(0.0, 1.0)
    while t < duration_s:
        times.append(t)
        per_minute = np.exp(rng.normal(LOG_RATE_MEAN, LOG_RATE_STD)) * rate
        t += max(MIN_GAP_S, SECONDS_PER_MINUTE / per_minute)
    return np.asarray(times)


def snap_to_pauses(times: np.ndarray, pauses: np.ndarray) -> np.ndarray:
    """Move each blink due within SNAP_WINDOW_S of a pause start into that pause.

    Two blinks never come closer than MIN_GAP_S: a blink whose move would break that
    keeps its own time, or is dropped when that breaks it too.

    Parameters
    ----------
    times : np.ndarray, shape (K,)
        Blink start times in seconds, ascending.
    pauses : np.ndarray, shape (P,)
        Pause start times in seconds (:func:`talkrig.motion.pauses.speech_pauses`).
    """
    kept: list[float] = []
    for t in times:
        options = [t]
        if len(pauses):
            nearest = pauses[np.argmin(np.abs(pauses - t))]
            if abs(nearest - t) <= SNAP_WINDOW_S:
                options.insert(0, nearest + INTO_PAUSE_S)
        for candidate in options:
            if not kept or candidate - kept[-1] >= MIN_GAP_S:
                kept.append(float(candidate))
                break
    return np.asarray(kept)


def blink_profile(t: np.ndarray) -> np.ndarray:
    """Lid closure 0..1 at times ``t`` (seconds since the blink started)."""
    closing = np.clip(t / CLOSE_S, 0.0, 1.0)
    opening = np.clip((t - CLOSE_S - HOLD_S) / OPEN_S, 0.0, 1.0)
    value = np.sin(closing * np.pi / 2) * (1.0 - opening ** 2)
    return np.where((t >= 0) & (t <= CLOSE_S + HOLD_S + OPEN_S), value, 0.0)


def add_blinks(curves: np.ndarray, fps: float, rng: np.random.Generator,
               rate: float = 1.0, loudness: np.ndarray | None = None) -> np.ndarray:
    """Curves with blinks on eyeBlinkLeft/Right (max with what is there), shape (T, 52).

    ``loudness`` (T,), 0..1, when given, moves blinks into nearby pauses.
    """
    out = curves.copy()
    n = len(out)
    times = np.arange(n) / fps
    lids = np.zeros(n)
    starts = blink_times(n / fps, rng, rate)
    if loudness is not None:
        starts = snap_to_pauses(starts, speech_pauses(loudness, fps)[:, 0])
    for start in starts:
        lo = int(start * fps)
        hi = min(n, int((start + CLOSE_S + HOLD_S + OPEN_S) * fps) + 2)
        lids[lo:hi] = np.maximum(lids[lo:hi], blink_profile(times[lo:hi] - start))
    for name in BLINK_CHANNELS:
        col = ARKIT_INDEX[name]
        out[:, col] = np.maximum(out[:, col], lids)
    return out
