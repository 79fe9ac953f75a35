"""The Take: the one currency between engines, formats, Blender and Unreal.

A Take is a block of per-frame animation curves plus where they came from.
Every adapter reads or writes a Take; no adapter talks to an engine directly.
File formats live in :mod:`talkrig.formats`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from talkrig import __version__
from talkrig.errors import TalkRigError

HEAD_POSE_AXES = ("yaw", "pitch", "roll")  # radians, Live Link Face convention
EYE_ROTATION_AXES = (
    "leftEyeYaw", "leftEyePitch", "leftEyeRoll",
    "rightEyeYaw", "rightEyePitch", "rightEyeRoll",
)  # radians
MAX_FPS = 1000.0  # anything above is a typo, not an animation rate


@dataclass(frozen=True)
class AudioSource:
    """The audio a take was made from."""

    path: str  # as given by the user (absolute when known)
    sha256: str  # of the file bytes, hex
    duration_s: float  # seconds


# Provenance.phones: "aligned" (the transcript), "heard" (words Whisper heard, aligned),
# "recognised" (phone by phone) or "silent" (digital silence: nothing to find)
PHONE_SOURCES = ("aligned", "heard", "recognised", "silent")


@dataclass(frozen=True)
class Provenance:
    """How a take was made: enough to reproduce it."""

    engine: str = "unknown"  # engine name, e.g. "phonetic", "neural", "energy"
    model_version: str = ""  # engine/model version string
    seed: int = 0  # RNG seed for blinks, gaze and head motion
    talkrig_version: str = __version__
    text: str | None = None  # transcript the engine animated from (None: none, or set aside)
    heard: str | None = None  # words the engine heard itself and animated from, without one
    # How the phonetic engine found its phones (one of PHONE_SOURCES); None for other
    # engines
    phones: str | None = None

    def animated_from(self) -> str:
        """What a transcript engine animated from when it followed no transcript, for
        summaries: the words it heard, phone recognition, or silence."""
        from talkrig.phones.transcript import excerpt

        if self.phones == "silent":
            return "the audio is silent, the mouth rests"
        if self.heard:
            return f"words heard: {excerpt(self.heard)!r}"
        return "phone recognition"



def resample_frames(values: np.ndarray, src_fps: float, dst_fps: float,
                    n_out: int, first: int = 0) -> np.ndarray:
    """Linear interpolation of frame values (T, C) at ``src_fps`` to (n_out, C) at ``dst_fps``:
    the frames ``first .. first + n_out - 1`` (a stretch, not necessarily from the start).

    Frames past the last source frame hold its value.
    """
    values = np.asarray(values)
    if len(values) == 0:
        return np.zeros((n_out, values.shape[1]), np.float32)
    src_t = np.arange(len(values)) / src_fps
    dst_t = np.arange(first, first + n_out) / dst_fps
    # np.interp's arithmetic, all channels at once: slope * (t - t0) + v0 in float64
    left = np.clip(np.searchsorted(src_t, dst_t, side="right") - 1, 0, len(values) - 1)
    right = np.minimum(left + 1, len(values) - 1)
    v0 = values[left].astype(np.float64)  # (n_out, C)
    span = np.where(right > left, src_t[right] - src_t[left], 1.0)[:, None]
    slope = (values[right].astype(np.float64) - v0) / span
    out = slope * (dst_t - src_t[left])[:, None] + v0
    return out.astype(np.float32)


@dataclass(eq=False)
class Take:
    """Animation curves for one performance.

    Attributes
    ----------
    fps : float
        Frames per second, > 0.
    channels : tuple of str
        Channel names, length C (e.g. the 52 ARKit names, or CTRL_expressions_* curves).
    values : np.ndarray, shape (T, C), float32
        Channel values per frame.
    rig : str
        Rig profile the channels belong to ("arkit52", "metahuman", "flame", or "custom").
    head_pose : np.ndarray, shape (T, 3), float32, optional
        Head yaw, pitch, roll in radians.
    eye_rotation : np.ndarray, shape (T, 6), float32, optional
        Left eye yaw/pitch/roll then right eye yaw/pitch/roll, radians.
    emotion : dict, optional
        The emotion track used, in the JSON track form of :mod:`talkrig.emotion`.
    audio : AudioSource, optional
    provenance : Provenance
    """

    fps: float
    channels: tuple[str, ...]
    values: np.ndarray
    rig: str = "arkit52"
    head_pose: np.ndarray | None = None
    eye_rotation: np.ndarray | None = None
    emotion: dict | None = None
    audio: AudioSource | None = None
    provenance: Provenance = field(default_factory=Provenance)
    start_time_s: float = 0.0  # time of frame 0 (seconds), for timecodes

    def __post_init__(self):
        self.channels = tuple(str(c) for c in self.channels)
        self.values = np.ascontiguousarray(self.values, dtype=np.float32)
        if self.head_pose is not None:
            self.head_pose = np.ascontiguousarray(self.head_pose, dtype=np.float32)
        if self.eye_rotation is not None:
            self.eye_rotation = np.ascontiguousarray(self.eye_rotation, dtype=np.float32)
        self.validate()

    # ------------------------------------------------------------------ checks
    def validate(self, source: str | None = None) -> None:
        """Raise :class:`TalkRigError` naming ``source`` if the take is inconsistent."""
        def fail(problem: str):
            raise TalkRigError(problem, source)

        if not np.isfinite(self.fps) or self.fps <= 0 or self.fps > MAX_FPS:
            fail(f"fps must be in (0, {MAX_FPS:g}], got {self.fps!r}")
        if not np.isfinite(self.start_time_s) or self.start_time_s < 0:
            fail(f"start_time_s must be a time >= 0 seconds, got {self.start_time_s!r}")
        if self.values.ndim != 2:
            fail(f"values must be 2-D [frames, channels], got shape {self.values.shape}")
        if self.values.shape[0] == 0 or not self.channels:
            fail(f"a take needs at least one frame and one channel, got "
                 f"{self.values.shape[0]} frames of {len(self.channels)} channels")
        if self.values.shape[1] != len(self.channels):
            fail(f"{len(self.channels)} channel names but values have "
                 f"{self.values.shape[1]} columns")
        if len(set(self.channels)) != len(self.channels):
            dupes = sorted({c for c in self.channels if self.channels.count(c) > 1})
            fail(f"duplicate channel names: {', '.join(dupes)}")
        if not np.all(np.isfinite(self.values)):
            fail("values contain NaN or infinity")
        for name, arr, width in (("head_pose", self.head_pose, 3),
                                 ("eye_rotation", self.eye_rotation, 6)):
            if arr is None:
                continue
            if arr.shape != (self.n_frames, width):
                fail(f"{name} must have shape ({self.n_frames}, {width}), got {arr.shape}")
            if not np.all(np.isfinite(arr)):
                fail(f"{name} contains NaN or infinity")

    # --------------------------------------------------------------- queries
    @property
    def n_frames(self) -> int:
        return int(self.values.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    def times(self) -> np.ndarray:
        """Frame times in seconds, shape (T,)."""
        return self.start_time_s + np.arange(self.n_frames) / self.fps

    def channel(self, name: str) -> np.ndarray:
        """Values of one channel, shape (T,)."""
        try:
            return self.values[:, self.channels.index(name)]
        except ValueError:
            raise TalkRigError(f"take has no channel {name!r}") from None

    def at_fps(self, fps: float) -> "Take":
        """The same take sampled at ``fps`` (linear interpolation in time).

        Curves, head pose and eye rotation are resampled; the duration is kept, so the
        new take has ``ceil(duration_s * fps)`` frames.
        """
        n = max(1, int(np.ceil(self.duration_s * fps - 1e-9)))

        def sampled(values):
            return None if values is None else resample_frames(values, self.fps, fps, n)

        return self.replace(fps=float(fps), values=sampled(self.values),
                            head_pose=sampled(self.head_pose),
                            eye_rotation=sampled(self.eye_rotation))

    def replace(self, **changes) -> "Take":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def allclose(self, other: "Take", atol: float = 1e-5) -> bool:
        """True when curves, pose and rate agree within ``atol``."""
        def close(a, b):
            if a is None or b is None:
                return a is None and b is None
            return a.shape == b.shape and np.allclose(a, b, atol=atol)
        return (abs(self.fps - other.fps) < 1e-9 and self.channels == other.channels
                and close(self.values, other.values)
                and close(self.head_pose, other.head_pose)
                and close(self.eye_rotation, other.eye_rotation))
