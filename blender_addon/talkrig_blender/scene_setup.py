"""Scene chores around a take: sound strip, frame range, frame rate."""

from __future__ import annotations

import os

import bpy

SOUND_CHANNEL = 1  # sequencer channel the take's audio goes on


def scene_fps(scene: bpy.types.Scene) -> float:
    """The scene's frame rate in frames per second (fps / fps_base)."""
    return scene.render.fps / scene.render.fps_base


def _strips(editor):
    # Blender 5.0 renamed sequence_editor.sequences to .strips
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def add_sound_strip(scene: bpy.types.Scene, audio_path: str, start_frame: int):
    """Add ``audio_path`` as a sound strip at ``start_frame``; returns the strip.

    An existing strip of the same file at the same frame is reused, so
    regenerating does not stack copies of the audio. Returns None on a Blender
    built without audio (some ``bpy`` module builds).
    """
    if not bpy.app.build_options.audaspace:
        return None
    editor = scene.sequence_editor or scene.sequence_editor_create()
    strips = _strips(editor)
    wanted = os.path.abspath(audio_path)
    for strip in strips:
        if (strip.type == "SOUND" and strip.sound is not None
                and os.path.abspath(bpy.path.abspath(strip.sound.filepath)) == wanted
                and int(strip.frame_start) == int(start_frame)):
            return strip
    name = os.path.splitext(os.path.basename(audio_path))[0]
    return strips.new_sound(name, wanted, SOUND_CHANNEL, int(start_frame))


def active_sound_path(scene: bpy.types.Scene) -> tuple[str, int] | None:
    """File and start frame of the active sequencer sound strip, if there is one."""
    editor = scene.sequence_editor
    strip = editor.active_strip if editor is not None else None
    if strip is None or strip.type != "SOUND" or strip.sound is None:
        return None
    return bpy.path.abspath(strip.sound.filepath), int(strip.frame_start)


def extend_frame_range(scene: bpy.types.Scene, first: int, last: int) -> None:
    """Grow the scene frame range so it covers ``first..last`` (never shrinks it)."""
    scene.frame_start = min(scene.frame_start, first)
    scene.frame_end = max(scene.frame_end, last)
