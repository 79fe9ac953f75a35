"""Audio -> Take (TalkRig core pipeline) -> keys on a Blender object."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Callable

import bpy

from talkrig.errors import TalkRigError
from talkrig.take import Take

from . import apply, emotion_keys, scene_setup

ENGINE_SHARE = 0.85  # fraction of the progress bar spent in the engine; the rest keys
PROFILE_RIG = {"metahuman": "metahuman", "flame": "flame"}  # else the take is ARKit-52


@dataclass(frozen=True)
class GenerateResult:
    """What :func:`generate_on_object` made."""

    take: Take  # the generated curves (at the scene frame rate)
    applied: apply.ApplyResult  # the action and mapping
    notes: tuple[str, ...] = ()  # about the audio and the engine (clipping, a transcript not used)
    also: tuple[apply.ApplyResult, ...] = ()  # the same take keyed on the other meshes

    @property
    def warnings(self) -> tuple[str, ...]:
        """Everything the user should be told: audio and engine notes, then keying ones."""
        return self.notes + self.applied.warnings + tuple(
            w for result in self.also for w in result.warnings)


def check_audio(path: str) -> str:
    """Absolute path of an existing audio file, else a one-line error."""
    if not path:
        raise TalkRigError("no audio file chosen: pick one in the TalkRig panel "
                           "(or use the active sound strip)")
    full = os.path.abspath(bpy.path.abspath(path))
    if not os.path.isfile(full):
        raise TalkRigError("audio file not found", full)
    return full


def generate_on_object(obj: bpy.types.Object, audio_path: str, *,
                       emotion: str | dict | None = None, engine: str | None = None,
                       text: str | None = None, start_frame: int | None = None,
                       blink: bool = True, gaze: bool = True, head: bool = False,
                       seed: int = 0,
                       flame_map: str | None = None,
                       progress: Callable[[float], None] | None = None,
                       also: list[bpy.types.Object] = (),
                       **apply_options) -> GenerateResult:
    """Generate a take from ``audio_path`` and key it onto ``obj`` (with ``head``, also
    a subtle head sway on the object's delta rotation).

    ``emotion`` is a spec (``"happy:0.8"``, a timeline or a JSON track); when None
    the emotion keyed on the object (``obj.talkrig``) over the audio's frames is used.
    ``also``: other meshes of the same character (teeth, tongue, lashes, brows) that get
    the same take on whichever of their shape keys match by name; a mesh with none is
    skipped with a warning.
    Extra keyword arguments go to :func:`apply.apply_take` (strengths, mapping...).
    """
    from talkrig.audio import load_audio
    from talkrig.engines import DEFAULT_ENGINE
    from talkrig.motion import MotionOptions
    from talkrig.pipeline import GenerateOptions, generate_noting

    apply.shape_key_names(obj)  # fail on a bad target before the slow part
    audio_path = check_audio(audio_path)
    scene = bpy.context.scene
    start = scene.frame_start if start_frame is None else int(start_frame)
    fps = scene_setup.scene_fps(scene)
    loaded = load_audio(audio_path)
    if emotion is None:
        n_frames = max(1, math.ceil(loaded.source.duration_s * fps))
        emotion = emotion_keys.keyed_emotion_track(obj, start, n_frames, fps).to_json()
    rig = PROFILE_RIG.get(apply_options.get("profile", "auto"), "arkit52")
    options = GenerateOptions(engine=engine or DEFAULT_ENGINE, emotion=emotion, fps=fps,
                              text=text or None, rig=rig, flame_map=flame_map,
                              motion=MotionOptions(blinks=blink, gaze=gaze,
                                                   head_motion=head, seed=seed))
    engine_progress = (lambda f: progress(ENGINE_SHARE * f)) if progress else None
    take, engine_notes = generate_noting(audio_path, options, progress=engine_progress,
                                         audio=loaded)
    name = os.path.basename(audio_path)
    notes = tuple(f"{name}: {note}" for note in dict.fromkeys(loaded.warnings + engine_notes))
    key_progress = (lambda f: progress(ENGINE_SHARE + (1 - ENGINE_SHARE) * f)) \
        if progress else None
    applied = apply.apply_take(obj, take, start_frame=start, audio_path=audio_path,
                               head=head, progress=key_progress, **apply_options)
    others, skipped = key_other_meshes(also, obj, take, applied.first_frame, apply_options)
    return GenerateResult(take, applied, notes + skipped, others)


def key_other_meshes(others, obj, take: Take, start: int, apply_options: dict
                     ) -> tuple[tuple[apply.ApplyResult, ...], tuple[str, ...]]:
    """Key ``take`` on each mesh of ``others`` (``obj`` excluded) from frame ``start``.

    Returns
    -------
    results : tuple of ApplyResult
        One per mesh that had matching shape keys.
    skipped : tuple of str
        A line for each mesh left alone, saying why.
    """
    results, skipped = [], []
    options = {k: v for k, v in apply_options.items()
               if k not in ("pairs", "action_name")}  # shape-key names differ per mesh
    base = apply_options.get("action_name") or apply.action_name_for(take, None)
    for other in others:
        if other == obj or other.type != "MESH":
            continue
        try:
            results.append(apply.apply_take(other, take, start_frame=start, add_sound=False,
                                            action_name=f"{base} ({other.name})", **options))
        except TalkRigError as exc:
            skipped.append(f"{other.name} skipped: {exc.problem}")
    return tuple(results), tuple(skipped)
