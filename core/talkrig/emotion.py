"""Emotion specs: a label and intensity, constant or keyed over time.

Accepted forms
--------------
``happy``                       constant, intensity 1
``happy:0.7``                   constant, intensity 0.7
``neutral@0,happy:0.8@1.5``     timeline: label[:intensity]@seconds, smooth transitions
``{"keys": [...]}`` or a path   JSON track (see :data:`TRACK_SCHEMA`)

Internally every spec becomes a per-frame vector in READ Avatars' N-1 encoding:
neutral is the zero vector and each other emotion owns one axis, scaled by its
intensity. Blends and timelines are therefore the same thing: a transition is a
straight line between two such vectors.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError

EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "angry", "surprised",
                             "fearful", "disgusted", "contempt")
EMOTION_AXES: tuple[str, ...] = EMOTIONS[1:]  # 7 axes: neutral is the origin
N_EMOTION_AXES = len(EMOTION_AXES)  # 7
DEFAULT_TRANSITION_S = 0.4  # seconds to blend from one key to the next
TRACK_SCHEMA = "talkrig.emotion/1"
# Spellings people type, mapped to the canonical label.
_SYNONYMS = {"happiness": "happy", "joy": "happy", "sadness": "sad", "anger": "angry",
             "surprise": "surprised", "fear": "fearful", "disgust": "disgusted",
             "calm": "neutral", "none": "neutral", "contemptuous": "contempt"}


@dataclass(frozen=True)
class EmotionKey:
    """One point of an emotion timeline."""

    time_s: float  # when the transition to this emotion starts, seconds
    label: str  # one of EMOTIONS
    intensity: float = 1.0  # 0..1

    def vector(self) -> np.ndarray:
        """The N-1 vector of this key, shape (7,)."""
        vec = np.zeros(N_EMOTION_AXES, dtype=np.float32)
        if self.label != "neutral":
            vec[EMOTION_AXES.index(self.label)] = self.intensity
        return vec


@dataclass(frozen=True)
class EmotionTrack:
    """A sorted list of emotion keys and the blend time between them."""

    keys: tuple[EmotionKey, ...] = field(default_factory=lambda: (EmotionKey(0.0, "neutral", 0.0),))
    transition_s: float = DEFAULT_TRANSITION_S  # blend duration, seconds

    def vectors(self, fps: float, n_frames: int) -> np.ndarray:
        """Per-frame emotion vectors.

        Each key starts a smoothstep blend of ``transition_s`` from the value the
        track has at that moment (so a key arriving mid-blend continues smoothly).
        The first key holds from time 0.

        Returns
        -------
        np.ndarray, shape (n_frames, 7), float32
        """
        times = np.arange(n_frames, dtype=np.float64) / fps
        out = np.empty((n_frames, N_EMOTION_AXES), dtype=np.float32)
        out[:] = self.keys[0].vector()
        current = self.keys[0].vector()
        for key in self.keys[1:]:
            start = self._value_at(out, times, key.time_s, current)
            target = key.vector()
            if self.transition_s > 0:
                u = np.clip((times - key.time_s) / self.transition_s, 0.0, 1.0)
            else:
                u = (times >= key.time_s).astype(np.float64)
            w = (u * u * (3.0 - 2.0 * u))[:, None]  # smoothstep 0..1
            later = times >= key.time_s
            out[later] = (start + (target - start) * w[later]).astype(np.float32)
            current = target
        return out

    @staticmethod
    def _value_at(out: np.ndarray, times: np.ndarray, t: float, fallback: np.ndarray):
        idx = int(np.searchsorted(times, t, side="left"))
        if idx == 0:
            return out[0].copy() if len(out) else fallback
        return out[min(idx, len(out)) - 1].copy()

    def to_json(self) -> dict:
        """The JSON track form (stored inside takes)."""
        return {"schema": TRACK_SCHEMA, "transition_s": self.transition_s,
                "keys": [{"time": k.time_s, "emotion": k.label, "intensity": k.intensity}
                         for k in self.keys]}

    def describe(self) -> str:
        """Short human-readable form, e.g. ``neutral@0,happy:0.8@1.5``."""
        parts = []
        for k in self.keys:
            label = k.label if k.intensity == 1.0 else f"{k.label}:{k.intensity:g}"
            parts.append(label if len(self.keys) == 1 else f"{label}@{k.time_s:g}")
        return ",".join(parts)


# ---------------------------------------------------------------------- parsing
def parse_emotion(spec: str | os.PathLike | dict | None,
                  transition_s: float = DEFAULT_TRANSITION_S) -> EmotionTrack:
    """Parse any accepted emotion spec into an :class:`EmotionTrack`.

    Raises
    ------
    TalkRigError
        Unknown emotion, intensity outside 0..1, unsorted or overlapping keys,
        malformed JSON.
    """
    transition_s = _checked_transition(transition_s, "--emotion-transition")
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return EmotionTrack(transition_s=transition_s)
    if isinstance(spec, dict):
        return track_from_json(spec, "--emotion", transition_s)
    text = os.fspath(spec).strip()
    if text.startswith("{"):
        return track_from_json(_loads(text, "--emotion"), "--emotion", transition_s)
    if text.lower().endswith(".json") or Path(text).is_file():
        return load_emotion_file(text, transition_s)
    return _parse_timeline(text, transition_s)


def load_emotion_file(path: str | os.PathLike,
                      transition_s: float = DEFAULT_TRANSITION_S) -> EmotionTrack:
    """Read a JSON emotion track file."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise TalkRigError("emotion track file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TalkRigError(f"cannot read emotion track: {exc}", path) from None
    return track_from_json(_loads(text, path), path, transition_s)


def _loads(text: str, where) -> dict:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TalkRigError(f"invalid JSON emotion track: {exc.msg} at line {exc.lineno}",
                           where) from None
    if not isinstance(doc, dict):
        raise TalkRigError("emotion track JSON must be an object with a 'keys' list", where)
    return doc


def track_from_json(doc: dict, where, transition_s: float = DEFAULT_TRANSITION_S) -> EmotionTrack:
    """Build a track from its JSON form ``{"transition_s": .., "keys": [...]}``."""
    keys_doc = doc.get("keys")
    if not isinstance(keys_doc, list) or not keys_doc:
        raise TalkRigError("emotion track needs a non-empty 'keys' list", where)
    keys = []
    for i, item in enumerate(keys_doc):
        if not isinstance(item, dict) or "emotion" not in item:
            raise TalkRigError(f"key {i} needs an 'emotion' field", where)
        try:
            time_s = float(item.get("time", 0.0))
            intensity = float(item.get("intensity", 1.0))
        except (TypeError, ValueError):
            raise TalkRigError(f"key {i}: time and intensity must be numbers", where) from None
        keys.append(_make_key(str(item["emotion"]), intensity, time_s, where))
    transition = _checked_transition(doc.get("transition_s", transition_s), where)
    return _checked_track(keys, transition, where)


def _checked_transition(value, where) -> float:
    """``value`` as a transition time in seconds (finite, >= 0), else a one-line error."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise TalkRigError(f"transition time must be a number of seconds, got {value!r}",
                           where) from None
    if seconds < 0 or not math.isfinite(seconds):
        raise TalkRigError(f"transition time must be >= 0 seconds, got {value}", where)
    return seconds


def _parse_timeline(text: str, transition_s: float) -> EmotionTrack:
    where = "--emotion"
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1 and "@" not in parts[0]:
        label, intensity = _split_label(parts[0], where)
        return _checked_track([_make_key(label, intensity, 0.0, where)], transition_s, where)
    keys = []
    for part in parts:
        if "@" not in part:
            raise TalkRigError(f"timeline point {part!r} needs '@seconds' "
                               "(e.g. neutral@0,happy:0.8@1.5)", where)
        head, _, time_text = part.rpartition("@")
        label, intensity = _split_label(head, where)
        try:
            time_s = float(time_text)
        except ValueError:
            raise TalkRigError(f"time {time_text!r} in {part!r} is not a number", where) from None
        keys.append(_make_key(label, intensity, time_s, where))
    return _checked_track(keys, transition_s, where)


def _split_label(text: str, where) -> tuple[str, float]:
    label, sep, value = text.partition(":")
    if not sep:
        return label, 1.0
    try:
        return label, float(value)
    except ValueError:
        raise TalkRigError(f"intensity {value!r} in {text!r} is not a number", where) from None


def _make_key(label: str, intensity: float, time_s: float, where) -> EmotionKey:
    name = label.strip().lower()
    name = _SYNONYMS.get(name, name)
    if name not in EMOTIONS:
        raise TalkRigError(f"unknown emotion {label!r} (choose from: {', '.join(EMOTIONS)})",
                           where)
    if not (0.0 <= intensity <= 1.0) or not math.isfinite(intensity):
        raise TalkRigError(f"intensity of {name} must be between 0 and 1, got {intensity:g}",
                           where)
    if not math.isfinite(time_s) or time_s < 0:
        raise TalkRigError(f"time of {name} must be >= 0 seconds, got {time_s:g}", where)
    return EmotionKey(float(time_s), name, float(intensity))


def _checked_track(keys: list[EmotionKey], transition_s: float, where) -> EmotionTrack:
    for prev, key in zip(keys, keys[1:]):
        if key.time_s < prev.time_s:
            raise TalkRigError(f"timeline points are not sorted: {key.label}@{key.time_s:g} "
                               f"comes after {prev.label}@{prev.time_s:g}", where)
        if key.time_s == prev.time_s:
            raise TalkRigError(f"two timeline points at {key.time_s:g} s "
                               f"({prev.label}, {key.label})", where)
    return EmotionTrack(tuple(keys), transition_s)
