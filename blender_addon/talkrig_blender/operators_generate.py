"""The "Generate from audio" operator."""

from __future__ import annotations

import bpy

from talkrig.errors import TalkRigError

from .reporting import progress_bar, run_reported


def target_object(context) -> bpy.types.Object:
    """The panel's target, else the active object; a user error when neither is a mesh."""
    settings = context.scene.talkrig
    obj = settings.target or context.active_object
    if obj is None:
        raise TalkRigError("no target: pick a mesh with shape keys as Target, "
                           "or make one active")
    return obj


def mapping_pairs(settings) -> dict[str, str] | None:
    """The edited mapping table, when the user asked to use it."""
    if not settings.use_custom_mapping:
        return None
    pairs = {item.name: item.channel for item in settings.mapping if item.channel}
    if not pairs:
        raise TalkRigError("the edited mapping is empty: refresh it or turn off "
                           "'Use Edited Mapping'")
    return pairs


class TALKRIG_OT_generate(bpy.types.Operator):
    """Generate facial animation for the target from the audio file"""

    bl_idname = "talkrig.generate"
    bl_label = "Generate from Audio"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        return run_reported(self, lambda: self._generate(context))

    def _generate(self, context) -> str:
        from .generation import generate_on_object
        from .scene_setup import active_sound_path

        settings = context.scene.talkrig
        obj = target_object(context)
        audio, start = settings.audio_path, settings.start_frame
        if settings.use_sequencer_sound:
            strip = active_sound_path(context.scene)
            if strip is None:
                raise TalkRigError("no active sound strip in the sequencer")
            audio, start = strip
        from .preferences import preferences

        prefs = preferences(context)
        with progress_bar(context) as progress:
            result = generate_on_object(
                obj, audio, engine=settings.engine or None, text=settings.transcript,
                start_frame=start, blink=settings.blink, gaze=settings.gaze,
                head=settings.head,
                flame_map=(prefs.flame_map or None) if prefs else None,
                pairs=mapping_pairs(settings), profile=settings.profile,
                mouth=settings.strength_mouth, brows=settings.strength_brows,
                eyes=settings.strength_eyes, progress=progress,
                also=list(context.selected_objects) if settings.also_selected else [])
        applied = result.applied
        summary = (f"{applied.action.name}: frames {applied.first_frame}-"
                   f"{applied.last_frame}, {applied.mapping.summary()}")
        if applied.kept_action:
            summary += f"; previous action {applied.kept_action!r} kept on an NLA track"
        if result.also:
            summary += f"; also keyed {', '.join(r.action.name for r in result.also)}"
        if applied.kept_head_action:
            summary += (f"; the object's previous action {applied.kept_head_action!r} "
                        "kept on an NLA track")
        provenance = result.take.provenance
        if provenance.phones and provenance.text is None:
            # phonetic, no transcript followed: say what it animated from (a mishearing)
            summary += f"; {provenance.animated_from()}"
        for warning in result.warnings:
            self.report({"WARNING"}, warning)
        settings.last_report = summary
        return summary


CLASSES = (TALKRIG_OT_generate,)
