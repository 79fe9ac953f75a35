"""Take -> shape-key keyframes on a mesh object, and back."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Callable

import bpy
import numpy as np

from talkrig.errors import TalkRigError
from talkrig.take import Take

from . import actions, keyframes, mapping as mapping_mod, scene_setup

CURVE_GROUP = "TalkRig"
ProgressFn = Callable[[float], None]


@dataclass(frozen=True)
class ApplyResult:
    """What :func:`apply_take` did."""

    action: bpy.types.Action  # the new action on the object's shape keys
    mapping: mapping_mod.ChannelMapping  # shape key <- channel pairs used
    kept_action: str | None  # previous action, now on an NLA track (or None)
    first_frame: int  # scene frame of the first key
    last_frame: int  # scene frame of the last key
    sound_strip: object | None  # the audio strip added, if any
    warnings: tuple[str, ...] = ()  # things the user should know (shown in the UI)
    head_action: object | None = None  # the object's new head-sway action, if keyed
    kept_head_action: str | None = None  # the object's previous action, now on NLA


def shape_key_names(obj: bpy.types.Object) -> list[str]:
    """Names of the object's shape keys, basis excluded.

    Raises
    ------
    TalkRigError
        If ``obj`` is not a mesh or has no shape keys.
    """
    if obj is None:
        raise TalkRigError("no target object: select a mesh with shape keys")
    if obj.type != "MESH":
        raise TalkRigError(f"target {obj.name!r} is a {obj.type.lower()}, not a mesh "
                           "with shape keys")
    keys = obj.data.shape_keys
    if keys is None or len(keys.key_blocks) < 2:
        raise TalkRigError(f"target {obj.name!r} has no shape keys to animate")
    return [block.name for block in keys.key_blocks[1:]]


def resolve_mapping(obj, take: Take, pairs: dict[str, str] | None = None,
                    profile: str = "auto") -> mapping_mod.ChannelMapping:
    """The mapping to use: explicit pairs when given, else automatic by name."""
    targets = shape_key_names(obj)
    if pairs:
        found = mapping_mod.mapping_from_pairs(targets, take.channels, pairs)
    else:
        found = mapping_mod.auto_map(targets, take.channels, profile)
    if not found.pairs:
        raise TalkRigError(f"nothing mapped: none of the {len(targets)} shape keys of "
                           f"{obj.name!r} matches a channel of the {take.rig} take")
    return found


def apply_take(obj: bpy.types.Object, take: Take, *, start_frame: int | None = None,
               pairs: dict[str, str] | None = None, profile: str = "auto",
               strength: float = 1.0, mouth: float = 1.0, brows: float = 1.0,
               eyes: float = 1.0, action_name: str | None = None,
               audio_path: str | None = None, add_sound: bool = True, head: bool = False,
               progress: ProgressFn | None = None) -> ApplyResult:
    """Key ``take`` onto the shape keys of ``obj`` as a new action.

    The take is resampled to the scene frame rate (one key per scene frame), scaled
    by ``strength`` and the per-region strengths, and written with ``foreach_set``.
    The shape keys' previous action is kept on an NLA track. When the audio file is
    known it is added as a sound strip at ``start_frame`` and the frame range grows
    to cover the take. With ``head``, the take's head pose sways the object
    (:mod:`.head_pose`).
    """
    scene = bpy.context.scene
    start = scene.frame_start if start_frame is None else int(start_frame)
    found = resolve_mapping(obj, take, pairs, profile)
    _check_animations_editable(obj, head, profile)
    fps = scene_setup.scene_fps(scene)
    values = keyframes.resample(take.values, take.fps, fps)  # (T', C)
    gains = strength * keyframes.region_gains(take.channels, mouth, brows, eyes)
    key = obj.data.shape_keys
    name = action_name or action_name_for(take, audio_path)
    action, slot, channels = actions.new_action(key, name)
    column = {c: i for i, c in enumerate(take.channels)}
    for done, (target, channel) in enumerate(found.pairs):
        col = column[channel]
        coords = keyframes.key_coordinates(values[:, col] * gains[col], start)
        path = f'key_blocks["{bpy.utils.escape_identifier(target)}"].value'
        actions.write_curve(channels, path, coords, CURVE_GROUP)
        if progress is not None:
            progress((done + 1) / len(found.pairs))
    action["talkrig"] = json.dumps(_provenance(take, fps))
    kept = actions.assign_action(key, action, slot)
    last = start + len(values) - 1
    scene_setup.extend_frame_range(scene, start, last)
    audio = audio_path or (take.audio.path if take.audio else None)
    strip, warnings = None, []
    if profile == "flame":
        from .flame_jaw import key_flame_jaw

        jaw_warning = key_flame_jaw(obj, take, start, fps, name)
        if jaw_warning:
            warnings.append(jaw_warning)
    head_action = kept_head = None
    if head and take.head_pose is None:
        warnings.append("head motion not applied: the take has no head pose")
    elif head:
        from .head_pose import key_head_pose

        kept_head = key_head_pose(obj, take, start, fps, name)
        head_action = obj.animation_data.action
    if add_sound and audio and os.path.isfile(audio):
        strip = scene_setup.add_sound_strip(scene, audio, start)
        if strip is None:
            warnings.append("sound strip not added: this Blender has no audio support")
    return ApplyResult(action, found, kept, start, last, strip, tuple(warnings),
                       head_action, kept_head)


def _check_animations_editable(obj: bpy.types.Object, head: bool, profile: str) -> None:
    """Every data-block this apply gives a new action must accept one."""
    actions.check_not_tweaking(obj.data.shape_keys, f"{obj.name!r}'s shape keys")
    if head:
        actions.check_not_tweaking(obj, repr(obj.name))
    armature = obj.find_armature() if profile == "flame" else None
    if armature is not None:
        actions.check_not_tweaking(armature, f"the armature {armature.name!r}")


def action_name_for(take: Take, audio_path: str | None) -> str:
    """``TalkRig <audio stem>``: the name of the action a take makes."""
    source = audio_path or (take.audio.path if take.audio else "")
    stem = os.path.splitext(os.path.basename(source))[0] if source else "take"
    return f"TalkRig {stem}"


def _provenance(take: Take, scene_fps: float) -> dict:
    return {"engine": take.provenance.engine, "model_version": take.provenance.model_version,
            "take_fps": take.fps, "scene_fps": scene_fps, "rig": take.rig,
            "audio": take.audio.path if take.audio else None}


def export_take(obj: bpy.types.Object, first_frame: int | None = None,
                last_frame: int | None = None) -> Take:
    """The animation of the object's mapped shape keys as a Take at the scene rate.

    Channels are the canonical ARKit names where a key's name has one, else the
    shape-key name; every animated shape key is sampled once per frame.
    """
    from talkrig.rigs import canonical_arkit_name

    scene = bpy.context.scene
    first = scene.frame_start if first_frame is None else first_frame
    last = scene.frame_end if last_frame is None else last_frame
    curves = {}
    for curve in actions.action_fcurves(obj.data.shape_keys) if obj.data.shape_keys else []:
        if curve.data_path.startswith('key_blocks["') and curve.data_path.endswith('"].value'):
            curves[curve.data_path[len('key_blocks["'):-len('"].value')]] = curve
    if not curves:
        raise TalkRigError(f"{obj.name!r} has no shape-key animation to export")
    frames = np.arange(first, last + 1)
    names, columns = [], []
    for key_name in shape_key_names(obj):
        channel = canonical_arkit_name(key_name) or key_name
        if key_name in curves and channel not in names:
            names.append(channel)
            columns.append(actions.sample_curve(curves[key_name], frames))
    rig = "arkit52" if all(canonical_arkit_name(n) == n for n in names) else "custom"
    return Take(fps=scene_setup.scene_fps(scene), channels=tuple(names),
                values=np.stack(columns, axis=1), rig=rig)
