"""A Take -> a key plan: per-control key arrays the Unreal Editor applies in bulk.

Two targets:

``metahuman``
    Keys for the MetaHuman face Control Rig: one float (slider) or Vector2D (rect)
    control per face-board entry of ``rigs/metahuman_controls.json``, keyed with
    ``ControlRigSequencerLibrary.set_local_control_rig_floats`` / ``..._vector2ds``.
    ARKit takes are mapped to ``CTRL_expressions_*`` curves with the ARKit->MetaHuman
    map in ``rigs/metahuman.json`` first; MetaHuman takes are used as they are.
``arkit``
    Float curves named after the 52 ARKit shapes, for characters with ARKit morph
    targets (an AnimSequence with one float curve per shape, played on the mesh). A take
    with head or eye rotation adds Live Link Face's rotation curves (``HeadYaw``,
    ``HeadPitch``, ``HeadRoll``, ``LeftEyeYaw``, ... ``RightEyeRoll``; radians, as the
    app records them), which an ARKit/Live Link face Animation Blueprint reads.

A MetaHuman face board has no head control (the head turns with the body's neck and
head joints), so a take's head rotation is not keyed there; the plan says so in
``meta["notes"]``, which the editor reports as a warning.

Frame numbers are at the sequence's tick resolution (:mod:`talkrig.unreal.frames`).
A channel that never changes gets a single key (Sequencer holds it for the whole range).
"""

from __future__ import annotations

import base64
import json
import os
import zlib
from dataclasses import dataclass, field

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.rigs import LIVELINK_EXTRA
from talkrig.take import Take
from talkrig.unreal.board import load_board
from talkrig.unreal.frames import (DEFAULT_TICK_RESOLUTION, FrameRate, frame_rate_from_fps,
                                   tick_frames)
from talkrig.unreal.naming import ANIM_PREFIX, SEQUENCE_PREFIX, SOUND_PREFIX, asset_name, stem_of

PLAN_SCHEMA = "talkrig.unreal_plan/1"
TARGETS = ("metahuman", "arkit")
CURVE_PREFIX = "CTRL_expressions_"
VALUE_DECIMALS = 6  # JSON precision: 1e-6 is far below what a face rig shows
# Live Link Face's rotation curves (rigs/arkit52.json "livelink_extra"): head, then eyes
HEAD_CURVES = LIVELINK_EXTRA[:3]  # HeadYaw, HeadPitch, HeadRoll
EYE_CURVES = LIVELINK_EXTRA[3:]  # LeftEyeYaw .. RightEyeRoll
HEAD_ON_BOARD_NOTE = ("the take's head rotation is not keyed: a MetaHuman face board has "
                      "no head control (turn the head with the body's neck/head joints)")


@dataclass(frozen=True)
class KeyOptions:
    """How a take becomes keys."""

    target: str = "metahuman"  # "metahuman" (face-board Control Rig) or "arkit" (morph curves)
    tick_resolution: tuple[int, int] = DEFAULT_TICK_RESOLUTION  # sequence ticks per second
    constant_tolerance: float = 1e-6  # a channel within this of its first value gets one key
    curve_case: str = "camel"  # ARKit curve names: "camel" (eyeBlinkLeft), "pascal" (EyeBlinkLeft)


@dataclass(frozen=True, eq=False)
class ChannelKeys:
    """Keys of one control or curve.

    Attributes
    ----------
    name : str
        Control name (``CTRL_L_eye_blink``) or curve name (``eyeBlinkLeft``).
    kind : str
        "float" or "vector2d".
    ticks : np.ndarray, shape (K,), int64
        Key times as frame numbers at the plan's tick resolution.
    values : np.ndarray, shape (K,) for float or (K, 2) for vector2d (x, y), float32
    """

    name: str
    kind: str
    ticks: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class KeyPlan:
    """Everything the editor needs to import one take, with no TalkRig code on its side."""

    target: str
    display_rate: FrameRate  # the take's fps as an exact fraction
    tick_resolution: FrameRate
    n_frames: int  # playback range is display frames [0, n_frames)
    channels: tuple[ChannelKeys, ...]
    sequence_name: str  # Level Sequence asset name (made unique in the editor)
    anim_name: str  # AnimSequence name for the arkit target
    sound_name: str  # SoundWave asset name for the audio
    audio_path: str | None = None  # the take's audio file, imported as a SoundWave
    source: str = ""  # where the take came from, for messages
    meta: dict = field(default_factory=dict)

    def channel(self, name: str) -> ChannelKeys:
        for keys in self.channels:
            if keys.name == name:
                return keys
        raise KeyError(name)

    def to_json(self) -> dict:
        """A JSON-ready dict (the form :mod:`talkrig_unreal` reads in the editor)."""
        def keys_json(k: ChannelKeys) -> dict:
            return {"name": k.name, "kind": k.kind, "ticks": k.ticks.tolist(),
                    "values": np.round(k.values.astype(np.float64), VALUE_DECIMALS).tolist()}
        return {"schema": PLAN_SCHEMA, "target": self.target,
                "display_rate": self.display_rate.as_list(),
                "tick_resolution": self.tick_resolution.as_list(),
                "n_frames": self.n_frames, "sequence_name": self.sequence_name,
                "anim_name": self.anim_name, "sound_name": self.sound_name,
                "audio_path": self.audio_path, "source": self.source, "meta": self.meta,
                "channels": [keys_json(k) for k in self.channels]}


def encode_plan(plan_json: dict) -> str:
    """Compact ASCII form for sending a plan inside a remote command (zlib + base64)."""
    raw = json.dumps(plan_json, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def decode_plan(text: str) -> dict:
    """Inverse of :func:`encode_plan`."""
    return json.loads(zlib.decompress(base64.b64decode(text)).decode("utf-8"))


def build_plan(take: Take, options: KeyOptions = KeyOptions(), name: str = "take",
               source: str = "") -> KeyPlan:
    """Convert a take to per-control key arrays.

    Parameters
    ----------
    take : Take
        ARKit-52 or MetaHuman (``CTRL_expressions_*``) curves, shape (T, C).
    options : KeyOptions
    name : str
        Base name for the assets (a take file stem); sanitised here.
    source : str
        Shown in messages (usually the take's path).

    Raises
    ------
    TalkRigError
        Unknown target, or a take whose rig the target cannot use.
    """
    if options.target not in TARGETS:
        raise TalkRigError(f"unknown Unreal target {options.target!r} "
                           f"(choose from: {', '.join(TARGETS)})", "--target")
    if take.n_frames == 0:
        raise TalkRigError("take has no frames", source or None)
    rate = frame_rate_from_fps(take.fps)
    ticks_res = FrameRate(*options.tick_resolution)
    ticks = tick_frames(take.n_frames, rate, ticks_res)
    if options.target == "metahuman":
        channels = _board_keys(take, ticks, options, source)
    else:
        channels = _arkit_keys(take, ticks, options, source)
    audio = take.audio.path if take.audio is not None else None
    if audio and os.path.exists(audio):
        audio = os.path.abspath(audio)  # the editor has its own working folder
    meta = {"fps": take.fps, "rig": take.rig, "engine": take.provenance.engine}
    if options.target == "metahuman" and take.head_pose is not None:
        meta["notes"] = [HEAD_ON_BOARD_NOTE]
    return KeyPlan(target=options.target, display_rate=rate, tick_resolution=ticks_res,
                   n_frames=take.n_frames, channels=channels,
                   sequence_name=asset_name(name, SEQUENCE_PREFIX),
                   anim_name=asset_name(name, ANIM_PREFIX),
                   sound_name=asset_name(stem_of(audio) if audio else name, SOUND_PREFIX),
                   audio_path=audio, source=source, meta=meta)


def _keys(name: str, kind: str, ticks: np.ndarray, values: np.ndarray,
          tolerance: float) -> ChannelKeys:
    """One channel's keys, a single key when it never moves."""
    flat = values.reshape(len(values), -1)
    if np.all(np.abs(flat - flat[0]) <= tolerance):
        return ChannelKeys(name, kind, ticks[:1].copy(), values[:1].copy())
    return ChannelKeys(name, kind, ticks, values)


def _board_keys(take: Take, ticks: np.ndarray, options: KeyOptions,
                source: str) -> tuple[ChannelKeys, ...]:
    board = load_board()
    controls = board.control_values(metahuman_curves(take, board.curves, source))  # (N, 2, T)
    out = []
    for i, (name, kind) in enumerate(zip(board.controls, board.kinds)):
        values = controls[i, 1] if kind == "float" else controls[i].T  # (T,) or (T, 2)
        out.append(_keys(name, kind, ticks, values, options.constant_tolerance))
    return tuple(out)


def metahuman_curves(take: Take, curve_names: tuple[str, ...], source: str = "") -> np.ndarray:
    """``CTRL_expressions_*`` curves of a take in the order ``curve_names``, shape (K, T).

    One row per curve; curves the take lacks are zero. ARKit takes go through the
    ARKit->MetaHuman map.
    """
    if take.rig == "arkit52":
        names, rows = _arkit_to_metahuman(take)
    elif take.rig == "metahuman" or any(c.startswith(CURVE_PREFIX) for c in take.channels):
        names, rows = take.channels, np.ascontiguousarray(take.values.T)
    else:
        raise TalkRigError(f"a {take.rig} take cannot drive a MetaHuman face board "
                           "(use an ARKit-52 or MetaHuman take)", source or None)
    index = {n if n.startswith(CURVE_PREFIX) else CURVE_PREFIX + n: i for i, n in enumerate(names)}
    out = np.zeros((len(curve_names), take.n_frames), np.float32)
    for j, name in enumerate(curve_names):
        i = index.get(name)
        if i is not None:
            out[j] = rows[i]
    return out


def _arkit_to_metahuman(take: Take) -> tuple[tuple[str, ...], np.ndarray]:
    """Apply the ARKit->MetaHuman linear map of ``rigs/metahuman.json``; rows (K, T)."""
    from talkrig.retarget import load_retarget
    from talkrig.rigs import ARKIT52

    retarget = load_retarget("metahuman")
    if take.channels == ARKIT52:
        arkit = take.values
    else:
        arkit = np.zeros((take.n_frames, len(ARKIT52)), np.float32)
        index = {c: i for i, c in enumerate(take.channels)}
        for j, name in enumerate(ARKIT52):
            if name in index:
                arkit[:, j] = take.values[:, index[name]]
    return retarget.channels, np.ascontiguousarray(retarget.apply(arkit).T)


def _arkit_keys(take: Take, ticks: np.ndarray, options: KeyOptions,
                source: str) -> tuple[ChannelKeys, ...]:
    from talkrig.rigs import ARKIT52, canonical_arkit_name
    if take.rig != "arkit52":
        raise TalkRigError(f"the arkit target needs an ARKit-52 take, got a {take.rig} take",
                           source or None)
    if options.curve_case not in ("camel", "pascal"):
        raise TalkRigError(f"curve case must be camel or pascal, got {options.curve_case!r}",
                           "--curve-case")
    by_name = {canonical_arkit_name(c) or c: i for i, c in enumerate(take.channels)}
    out = []
    for name in ARKIT52:
        if name not in by_name:
            continue
        values = np.clip(take.values[:, by_name[name]], 0.0, 1.0)  # ARKit shapes are 0..1
        curve = name[0].upper() + name[1:] if options.curve_case == "pascal" else name
        out.append(_keys(curve, "float", ticks, values, options.constant_tolerance))
    return tuple(out) + _rotation_keys(take, ticks, options)


def _rotation_keys(take: Take, ticks: np.ndarray, options: KeyOptions) -> tuple[ChannelKeys, ...]:
    """Live Link Face head and eye rotation curves (radians) for the rotations a take has."""
    out = []
    for names, values in ((HEAD_CURVES, take.head_pose), (EYE_CURVES, take.eye_rotation)):
        if values is None:
            continue
        for j, name in enumerate(names):
            out.append(_keys(name, "float", ticks, values[:, j], options.constant_tolerance))
    return tuple(out)
