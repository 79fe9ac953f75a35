"""The neural-whisper engine: a small ONNX head on a frozen Whisper encoder.

It reads Whisper base's encoder (int8, shipped as ONNX: :mod:`talkrig.whisper_encoder`;
a head names the Whisper model whose states it reads). The encoder reads the audio in
windows; its states, resampled from 50 to 60 fps, and the emotion vector go through
the shipped head (``models/talkrig_neural_whisper.onnx``) to ARKit-52 curves, which the
same closure gate as the neural engine's seals where the audio shows closed lips. Both
graphs run in onnxruntime: no torch, no CTranslate2. The encoder attends over whole
windows, so this engine has no bounded lookahead and no streaming form (live audio uses
:class:`talkrig.streaming.NeuralStream`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from talkrig.audio import raise_quiet
from talkrig.engines.base import EngineRequest, ProgressFn
from talkrig.engines.neural import CLOSURE_GATES, curves_for, emotion_at, gated
from talkrig.errors import TalkRigError
from talkrig.model.dims import WhisperHeadDims
from talkrig.runtime import cached_per_file, packaged_model
from talkrig.take import resample_frames

HEAD_KIND = "whisper-head"  # talkrig.kind in the head's ONNX metadata
ENCODER_SHARE = 0.95  # fraction of the work (for progress) spent in the encoder


def default_head_path() -> Path:
    """The head shipped in the package."""
    return packaged_model("talkrig_neural_whisper.onnx")


class WhisperHeadModel:
    """An onnxruntime session over a head file (``talkrig.kind`` = "whisper-head")."""

    def __init__(self, path: str | os.PathLike | None = None, device: str = "auto"):
        from talkrig.runtime import open_session

        self.path = Path(path) if path is not None else default_head_path()
        self.session = open_session(self.path, "neural-whisper model", device)
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("talkrig.kind") != HEAD_KIND:
            raise TalkRigError("not a neural-whisper head (its metadata lacks talkrig.kind "
                               f"= {HEAD_KIND!r}; a log-mel model runs with --engine neural)",
                               str(self.path))
        try:
            self.fps = int(meta["talkrig.fps"])
            self.encoder = meta["talkrig.encoder"]
            self.dims = WhisperHeadDims.from_dict(json.loads(meta["talkrig.dims"]))
            self.version = meta["talkrig.version"]
        except (KeyError, ValueError) as exc:
            raise TalkRigError(f"ONNX file lacks TalkRig metadata ({exc})",
                               str(self.path)) from None
        if self.encoder != self.dims.encoder:
            raise TalkRigError(f"its metadata names encoder {self.encoder!r} but its dims "
                               f"{self.dims.encoder!r}", str(self.path))

    @functools.cached_property
    def digest(self) -> str:
        """The first 10 hex digits of the file's SHA-256 (read once per session)."""
        from talkrig.audio import file_sha256

        return file_sha256(self.path)[:10]

    def curves(self, states: np.ndarray, emotion: np.ndarray) -> np.ndarray:
        """states (T, features) and emotion (T, 7) at ``fps`` -> curves (T, 52), float32."""
        feeds = {"states": np.ascontiguousarray(states, np.float32)[None],
                 "emotion": np.ascontiguousarray(emotion, np.float32)[None]}
        return self.session.run(["curves"], feeds)[0][0]


def shared_head(path: str | os.PathLike | None = None, device: str = "auto") -> WhisperHeadModel:
    """A cached :class:`WhisperHeadModel` (sessions are expensive to create) of the file
    as it is now; ``None`` is the shipped head, cached under its path."""
    return _cached_head(path or default_head_path(), device)


@cached_per_file(maxsize=4)
def _cached_head(path: str, device: str) -> WhisperHeadModel:
    return WhisperHeadModel(path, device)


class WhisperNeuralEngine:
    """Engine protocol implementation: Whisper base's encoder + the shipped head.

    Parameters
    ----------
    model_path : path-like, optional
        A head ONNX file; the shipped one by default.
    device : str
        "auto", "cpu" or "cuda" (onnxruntime provider of the encoder and the head).
    closure_gate : str
        "clip" (default), "causal" or "off", as for the neural engine.
    encoder_path : path-like, optional
        A Whisper encoder ONNX file (``training.export_whisper_encoder``); by default the
        packaged encoder of the Whisper model the head names. It must be that model's
        and run as many blocks as the head was trained on.
    """

    name = "neural-whisper"
    version = "neural-whisper-1"  # replaced per instance by the head's version and digest

    def __init__(self, model_path: str | os.PathLike | None = None, device: str = "auto",
                 closure_gate: str = "clip", encoder_path: str | os.PathLike | None = None):
        from talkrig.whisper_encoder import default_encoder_path, reads_states_of, shared_encoder

        if closure_gate not in CLOSURE_GATES:
            raise TalkRigError(f"closure gate must be one of {', '.join(CLOSURE_GATES)}, "
                               f"got {closure_gate!r}")
        self.model = shared_head(model_path, device)
        self.encoder = shared_encoder(
            encoder_path or default_encoder_path(self.model.dims.encoder), device)
        if not reads_states_of(self.model.dims, self.encoder):
            raise TalkRigError(
                f"the head reads the states of {self.model.dims.encoder_layers} blocks of "
                f"{self.model.dims.encoder}{_taps(self.model.dims.encoder_taps)}; the encoder "
                f"{self.encoder.path.name} runs {self.encoder.layers} blocks of "
                f"{self.encoder.model}{_taps(self.encoder.taps)}", str(self.model.path))
        self.closure_gate = closure_gate
        both = (self.model.digest + self.encoder.digest).encode()
        digest = hashlib.sha256(both).hexdigest()[:10]
        self.version = (f"neural-whisper-{self.model.version}-{digest}"
                        f"{CLOSURE_GATES[closure_gate]}")

    def animate(self, request: EngineRequest, progress: ProgressFn | None = None) -> np.ndarray:
        """Curves for ``request``, shape (request.n_frames, 52), float32, 0..1."""
        from talkrig.model.dims import WHISPER_FEATURE_FPS
        from talkrig.whisper_encoder import encoder_states

        fps = self.model.fps
        emotion = emotion_at(request, fps)
        audio = raise_quiet(request.audio)  # as the encoder's training audio peaked
        encoded = encoder_states(audio, self.model.dims.window_s, self.encoder,
                                 progress and (lambda f: progress(ENCODER_SHARE * f)))
        states = resample_frames(encoded, WHISPER_FEATURE_FPS, fps, len(emotion))
        curves = gated(self.model.curves(states, emotion), audio, fps, self.closure_gate)
        if progress:
            progress(1.0)
        return curves_for(request, curves, fps)


def _taps(taps) -> str:
    """How an error names the tapped blocks: "" or " with block 4's outputs"."""
    if not taps:
        return ""
    return f" with block{'s' if len(taps) > 1 else ''} {', '.join(map(str, taps))}'s outputs"
