"""The main job: audio file + emotion -> Take.

    audio --load--> 16 kHz mono --engine--> ARKit-52 --motion--> --retarget--> Take
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Callable

from talkrig.audio import AudioOptions, LoadedAudio, load_audio
from talkrig.emotion import DEFAULT_TRANSITION_S, parse_emotion
from talkrig.engines import DEFAULT_ENGINE, EngineRequest, get_engine
from talkrig.engines.base import frame_count
from talkrig.errors import TalkRigError
from talkrig.motion import MotionOptions, apply_motion
from talkrig.retarget import apply_retarget, load_retarget
from talkrig.take import MAX_FPS, Provenance, Take

DEFAULT_FPS = 60.0  # MetaHuman/EmoFace rate; Blender and Unreal resample on import
MIN_FPS = 1.0  # below this nothing reads as speech
MAX_ANIMATION_FPS = 240.0  # above this is a typo (1000 fps curves help no one)
MODEL_ENGINES = ("neural", "neural-whisper")  # the engines that take --model


@dataclass(frozen=True)
class GenerateOptions:
    """Everything ``talkrig generate`` can be told."""

    engine: str = DEFAULT_ENGINE  # "energy", "phonetic", "neural" or "neural-whisper"
    # a neural engine's ONNX file; None = the shipped one (neural: TALKRIG_NEURAL_MODEL first)
    model: str | None = None
    emotion: str | dict | None = None  # spec: "happy:0.7", a timeline, JSON, or a .json path
    emotion_transition_s: float = DEFAULT_TRANSITION_S  # blend time between timeline keys
    fps: float = DEFAULT_FPS  # output frame rate
    rig: str = "arkit52"  # "arkit52", "metahuman" or "flame"
    flame_map: str | None = None  # ARKit->FLAME matrix file (rig "flame" only)
    text: str | None = None  # transcript; None looks for a sidecar .txt/.lab
    use_sidecar_text: bool = True  # look for AUDIO.txt / AUDIO.lab when text is None
    hear_words: bool = True  # phonetic, no transcript: align words Whisper hears (asr extra)
    check_text: bool = False  # phonetic, with a transcript: warn if the words heard differ
    motion: MotionOptions = field(default_factory=MotionOptions)  # blinks, gaze, head, seed
    audio: AudioOptions = field(default_factory=AudioOptions)  # duration limit


ProgressFn = Callable[[float], None]


def check_fps(fps: float, flag: str = "--fps") -> float:
    """Validate an animation frame rate (``flag`` names it in the error)."""
    if not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps < MIN_FPS \
            or fps > MAX_ANIMATION_FPS:
        raise TalkRigError(f"fps must be between {MIN_FPS:g} and {MAX_ANIMATION_FPS:g}, "
                           f"got {fps}", flag)
    return float(fps)


def generate_noting(audio_path: str | os.PathLike, options: GenerateOptions = GenerateOptions(),
                    progress: ProgressFn | None = None, audio: LoadedAudio | None = None
                    ) -> tuple[Take, tuple[str, ...]]:
    """:func:`generate`, with the warnings it issues (the engine's, the notes of audio it
    loads itself) returned once each as one-line strings, for a UI to show.

    Returns
    -------
    take : Take
    notes : tuple of str
    """
    with warnings.catch_warnings(record=True) as caught:
        take = generate(audio_path, options, progress, audio)
    return take, tuple(dict.fromkeys(str(w.message) for w in caught))


def make_engine(name: str, model: str | None = None, **options):
    """The engine called ``name``: with its ``model`` file when one is named (only the
    neural engines take one), else with ``options``.

    Raises
    ------
    TalkRigError
        For an unknown engine, or a model file given to an engine that takes none.
    """
    if model is None:
        return get_engine(name, **options)
    if name not in MODEL_ENGINES:
        raise TalkRigError(f"only the neural engines ({', '.join(MODEL_ENGINES)}) take a model "
                           f"file, not {name!r}", "--model")
    return get_engine(name, model_path=model)


def _engine(options: GenerateOptions):
    """The engine of ``options``."""
    phonetic = ({"hear_words": options.hear_words, "check_text": options.check_text}
                if options.engine == "phonetic" else {})
    return make_engine(options.engine, options.model, **phonetic)


def sidecar_transcript(audio_path: str | os.PathLike) -> str | None:
    """Text of ``AUDIO.txt``/``AUDIO.lab`` beside the audio (or in a ``lab/`` folder)."""
    from talkrig.phones.transcript import find_sidecar, read_transcript

    path = find_sidecar(audio_path)
    return None if path is None else read_transcript(path)


def generate(audio_path: str | os.PathLike, options: GenerateOptions = GenerateOptions(),
             progress: ProgressFn | None = None, audio: LoadedAudio | None = None) -> Take:
    """Animate one audio file.

    Parameters
    ----------
    audio_path : path
        Speech file (wav/flac/ogg/mp3/opus; m4a/aac/video through ffmpeg; any rate and
        channel count).
    options : GenerateOptions
    progress : callable, optional
        Called with the fraction done (0..1) as the engine works.
    audio : LoadedAudio, optional
        Already-loaded audio (skips loading ``audio_path`` again; its notes are then
        the caller's to report). Audio loaded here has its notes (clipping, a DC
        offset, ...) issued as ``RuntimeWarning``, like the engines' warnings.

    Returns
    -------
    Take
        Curves of ``options.rig`` at ``options.fps`` covering the whole audio.
    """
    fps = check_fps(options.fps)
    track = parse_emotion(options.emotion, options.emotion_transition_s)
    mapping = load_retarget(options.rig, options.flame_map)  # bad rig fails before slow work
    engine = _engine(options)
    loaded = audio
    if loaded is None:
        loaded = load_audio(audio_path, options.audio)
        for note in loaded.warnings:
            warnings.warn(note, RuntimeWarning, stacklevel=2)
    text = options.text
    if text is None and options.use_sidecar_text:
        text = sidecar_transcript(audio_path)
    n_frames = frame_count(loaded.duration_s, fps)
    _warn_keys_after_end(track, loaded.duration_s)
    request = EngineRequest(audio=loaded.samples, fps=fps,
                            emotion=track.vectors(fps, n_frames), text=text)
    curves = engine.animate(request, progress)
    energy = None
    motion = options.motion
    if motion.head_motion or motion.blinks or motion.gaze:  # all follow the speech energy
        from talkrig.features import loudness

        energy = loudness(loaded.samples, fps, n_frames)
    moved = apply_motion(curves, fps, options.motion, energy)
    channels, values = apply_retarget(moved.curves, mapping)
    provenance = Provenance(engine=engine.name, model_version=engine.version,
                            seed=options.motion.seed, text=_transcript_followed(engine, text),
                            heard=getattr(engine, "last_heard", None),
                            phones=getattr(engine, "last_mode", None))
    return Take(fps=fps, channels=channels, values=values, rig=options.rig,
                head_pose=moved.head_pose, eye_rotation=moved.eye_rotation,
                emotion=track.to_json(), audio=loaded.source, provenance=provenance)


def _transcript_followed(engine, text: str | None) -> str | None:
    """``text`` if the engine animated from it; None when the engine takes no transcript
    or set it aside (an alignment that failed or covered too little of the speech)."""
    return text if text and getattr(engine, "last_mode", None) == "aligned" else None


def _warn_keys_after_end(track, duration_s: float) -> None:
    """Say so when emotion keys start after the audio ends (they cannot take effect)."""
    late = [k for k in track.keys if k.time_s >= duration_s and k.time_s > 0]
    if late:
        points = ", ".join(f"{k.label} at {k.time_s:g} s" for k in late)
        warnings.warn(f"emotion keys after the end of the audio ({duration_s:.2f} s) have "
                      f"no effect: {points}", RuntimeWarning, stacklevel=3)
