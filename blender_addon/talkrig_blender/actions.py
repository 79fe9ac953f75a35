"""Actions and F-curves on Blender 4.2 LTS through 5.x.

Blender 4.4 introduced slotted actions (``action.slots``, ``action.layers[..]
.strips[..].channelbag(slot).fcurves``); 5.0 removed the legacy ``action.fcurves``.
Everything here works on both models, and never drops a data-block's existing
action: it is kept (fake user) and pushed onto an NLA track, where it still plays
outside the new action's frame range.
"""

from __future__ import annotations

import bpy
import numpy as np

SLOTTED = bpy.app.version >= (4, 4, 0)
KEPT_TRACK_PREFIX = "TalkRig kept: "
INTERP_LINEAR = 1  # enum value of 'LINEAR' in Keyframe.interpolation (CONSTANT=0, BEZIER=2)


def new_action(id_block: bpy.types.ID, name: str):
    """A new empty action for ``id_block``.

    Returns
    -------
    action : bpy.types.Action
    slot : bpy.types.ActionSlot or None
        None on Blender < 4.4.
    channels : bpy.types.ActionChannelbag or bpy.types.Action
        Holder of ``.fcurves`` and ``.groups`` for this data-block: the slot's
        channelbag (4.4+) or the legacy action itself.
    """
    action = bpy.data.actions.new(name)
    if not SLOTTED:
        return action, None, action
    slot = action.slots.new(id_type=id_block.id_type, name=id_block.name)
    layer = action.layers.new("Layer")
    strip = layer.strips.new(type="KEYFRAME")
    return action, slot, strip.channelbag(slot, ensure=True)


def action_fcurves(id_block: bpy.types.ID) -> list:
    """F-curves of the action currently animating ``id_block`` (its slot only)."""
    anim = id_block.animation_data
    if anim is None or anim.action is None:
        return []
    return _curves_of(anim.action, anim.action_slot if SLOTTED else None)


def kept_fcurves(id_block: bpy.types.ID) -> list:
    """F-curves of the actions :func:`keep_existing_action` moved onto NLA tracks, the
    most recently kept first (each strip starts at its action's first frame, so their
    frames are scene frames)."""
    anim = id_block.animation_data
    if anim is None:
        return []
    curves = []
    for track in reversed(anim.nla_tracks):  # the last track is the top, newest one
        if not track.name.startswith(KEPT_TRACK_PREFIX):
            continue
        for strip in track.strips:
            if strip.action is not None:
                slot = getattr(strip, "action_slot", None) if SLOTTED else None
                curves.extend(_curves_of(strip.action, slot))
    return curves


def _curves_of(action, slot) -> list:
    """F-curves of ``action`` for ``slot`` (every curve on Blender < 4.4)."""
    if not SLOTTED:
        return list(action.fcurves)
    if slot is None:
        return []
    curves = []
    for layer in action.layers:
        for strip in layer.strips:
            bag = strip.channelbag(slot)
            if bag is not None:
                curves.extend(bag.fcurves)
    return curves


def keep_existing_action(id_block: bpy.types.ID) -> str | None:
    """Push the current action of ``id_block`` onto a new NLA track.

    The action gets a fake user so it is saved even if nothing else uses it.
    Returns the kept action's name, or None when there was none.
    """
    anim = id_block.animation_data
    if anim is None or anim.action is None:
        return None
    old = anim.action
    old_slot = anim.action_slot if SLOTTED else None
    old.use_fake_user = True
    track = anim.nla_tracks.new()
    track.name = KEPT_TRACK_PREFIX + old.name
    start = int(old.frame_range[0])
    strip = track.strips.new(old.name, start, old)
    if old_slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = old_slot
    anim.action = None
    return old.name


def check_not_tweaking(id_block: bpy.types.ID, owner: str) -> None:
    """Refuse, before anything is created, a data-block whose NLA is in tweak mode: its
    action cannot be swapped until the user leaves tweak mode."""
    anim = id_block.animation_data
    if anim is not None and anim.use_tweak_mode:
        from talkrig.errors import TalkRigError

        raise TalkRigError(f"the animation of {owner} is in NLA tweak mode: leave it "
                           "(Tab in the NLA editor), then generate again")


def assign_action(id_block: bpy.types.ID, action, slot) -> str | None:
    """Make ``action`` (and ``slot``) animate ``id_block``; returns the kept old action.

    When an old action was kept on an NLA track, the new one stops at its own first and
    last keys (``action_extrapolation`` NOTHING) instead of holding them over the whole
    timeline, so the kept keys still play before and after the new range.
    """
    anim = id_block.animation_data or id_block.animation_data_create()
    kept = keep_existing_action(id_block) if anim.action not in (None, action) else None
    anim.action = action
    if slot is not None:
        anim.action_slot = slot
    if kept is not None:
        anim.action_extrapolation = "NOTHING"
    return kept


def write_curve(channels, data_path: str, coords: np.ndarray, group: str | None = None,
                index: int = 0):
    """Create one F-curve and fill its keys in a single ``foreach_set``.

    Parameters
    ----------
    channels : channelbag or legacy action (from :func:`new_action`)
    data_path : str
        RNA path on the animated data-block, e.g. ``key_blocks["jawOpen"].value``.
    coords : np.ndarray, shape (2 * K,), float32
        Interleaved (frame, value) pairs, frames increasing.
    group : str, optional
        F-curve group name (shown in the Graph Editor).
    index : int
        Array index for vector properties (e.g. quaternion component).
    """
    curve = channels.fcurves.new(data_path, index=index)
    if group is not None:
        found = channels.groups.get(group)
        curve.group = found if found is not None else channels.groups.new(group)
    n_keys = len(coords) // 2
    points = curve.keyframe_points
    points.add(n_keys)
    points.foreach_set("co", coords)
    points.foreach_set("interpolation", np.full(n_keys, INTERP_LINEAR, dtype=np.int32))
    curve.update()
    return curve


def sample_curve(curve, frames: np.ndarray) -> np.ndarray:
    """Evaluate an F-curve at scene frames, shape (T,) float32."""
    return np.array([curve.evaluate(float(f)) for f in frames], dtype=np.float32)
