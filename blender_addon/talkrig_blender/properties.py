"""Add-on properties: scene settings for the panel, and per-object emotion.

``Object.talkrig.emotion`` and ``Object.talkrig.intensity`` are animatable: an
animator keys emotion changes on the timeline and regenerates; the keyed track
(sampled per frame) is what the engine receives.
"""

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty,
                       IntProperty, PointerProperty, StringProperty)

from talkrig.emotion import EMOTIONS

from .mapping import PROFILES

EMOTION_ITEMS = [(name, name.capitalize(), f"{name.capitalize()} expression")
                 for name in EMOTIONS]
PROFILE_ITEMS = [("auto", "Auto (by name)", "Match shape keys to channels by name: ARKit, "
                  "ICT-FaceKit _L/_R and MetaHuman spellings"),
                 ("arkit52", "ARKit-52", "Shape keys named after ARKit blendshapes"),
                 ("metahuman", "MetaHuman", "Shape keys named after MetaHuman curves"),
                 ("flame", "FLAME", "FLAME Blender add-on: Exp1..ExpN shape keys")]
assert tuple(item[0] for item in PROFILE_ITEMS) == PROFILES
_ENGINE_ITEMS: list = []  # kept alive: Blender needs dynamic enum items referenced


def engine_items(_self, _context):
    """Engines present in this install, default first."""
    from talkrig.engines import DEFAULT_ENGINE, available_engines

    names = available_engines()
    names.sort(key=lambda n: (n != DEFAULT_ENGINE, n))
    _ENGINE_ITEMS[:] = [(n, n.capitalize(), f"The {n} engine") for n in names]
    return _ENGINE_ITEMS


def _is_mesh(_self, obj) -> bool:
    return obj.type == "MESH"


class TalkRigMappingItem(bpy.types.PropertyGroup):
    """One editable row of the shape key <- channel mapping."""

    # `name` (inherited) holds the shape-key name
    channel: StringProperty(name="Channel", description="Take channel driving this "
                            "shape key (empty: not animated)")


class TalkRigObjectSettings(bpy.types.PropertyGroup):
    """Emotion of a character; both properties can be keyed."""

    emotion: EnumProperty(name="Emotion", items=EMOTION_ITEMS, default="neutral",
                          description="Emotion the engine expresses (key it to change "
                          "over time)")
    intensity: FloatProperty(name="Intensity", default=1.0, min=0.0, max=1.0,
                             description="Strength of the emotion, 0..1 (animatable)")


class TalkRigSceneSettings(bpy.types.PropertyGroup):
    """Everything the TalkRig panel edits."""

    audio_path: StringProperty(name="Audio", subtype="FILE_PATH",
                               description="Speech audio file (wav, flac, mp3, ogg)")
    use_sequencer_sound: BoolProperty(name="Use Active Sound Strip", default=False,
                                      description="Take the audio and start frame from "
                                      "the active sound strip of the sequencer")
    transcript: StringProperty(name="Transcript", description="Optional text of the "
                               "speech: the best lip sync with the phonetic engine (without "
                               "it, the words Whisper hears when installed, else phones)")
    engine: EnumProperty(name="Engine", items=engine_items,
                         description="Animation engine")
    target: PointerProperty(name="Target", type=bpy.types.Object, poll=_is_mesh,
                            description="Mesh with shape keys (empty: active object)")
    profile: EnumProperty(name="Rig Profile", items=PROFILE_ITEMS, default="auto",
                          description="How shape keys are matched to channels")
    start_frame: IntProperty(name="Start Frame", default=1,
                             description="Scene frame of the first key")
    blink: BoolProperty(name="Blinks", default=True, description="Add natural blinks")
    gaze: BoolProperty(name="Gaze", default=True, description="Add eye saccades")
    also_selected: BoolProperty(
        name="Also Selected Meshes", default=False,
        description="Key the same take on the other selected meshes of the character "
                    "(teeth, tongue, lashes, brows), on their shape keys that match by name")
    head: BoolProperty(name="Head", default=False,
                       description="Sway the head with the speech (keys the object's "
                                   "delta rotation in its own action)")
    strength_mouth: FloatProperty(name="Mouth", default=1.0, min=0.0, soft_max=2.0,
                                  description="Strength of mouth, jaw and cheek channels")
    strength_brows: FloatProperty(name="Brows", default=1.0, min=0.0, soft_max=2.0,
                                  description="Strength of brow channels")
    strength_eyes: FloatProperty(name="Eyes", default=1.0, min=0.0, soft_max=2.0,
                                 description="Strength of eye channels")
    mapping: CollectionProperty(type=TalkRigMappingItem)
    mapping_index: IntProperty(default=0)
    use_custom_mapping: BoolProperty(name="Use Edited Mapping", default=False,
                                     description="Use the mapping table below instead of "
                                     "matching by name")
    last_report: StringProperty(name="Last Result", default="")


CLASSES = (TalkRigMappingItem, TalkRigObjectSettings, TalkRigSceneSettings)


def register_properties() -> None:
    bpy.types.Scene.talkrig = PointerProperty(type=TalkRigSceneSettings)
    bpy.types.Object.talkrig = PointerProperty(type=TalkRigObjectSettings)


def unregister_properties() -> None:
    del bpy.types.Object.talkrig
    del bpy.types.Scene.talkrig
