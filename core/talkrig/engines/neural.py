"""The neural engine: the shipped ONNX model (audio + emotion -> ARKit-52 at 60 fps).

Runs with onnxruntime and numpy only (:mod:`talkrig.runtime`). The model works at
60 fps; emotion is resampled to 60 fps on the way in and curves to the requested
frame rate on the way out (linear interpolation).
"""

from __future__ import annotations

import os

import numpy as np

from talkrig.audio import raise_quiet
from talkrig.engines.base import EngineRequest, ProgressFn
from talkrig.errors import TalkRigError
from talkrig.runtime import NeuralModel, shared_model
from talkrig.take import resample_frames


# closure gate -> what the take's engine version says of it
# ("+closures-2": since the sealed aperture is held under acoustic.MAX_APERTURE_SPEED)
CLOSURE_GATES = {"clip": "+closures-2", "causal": "+causal-closures", "off": ""}


class NeuralEngine:
    """Engine protocol implementation over :class:`talkrig.runtime.NeuralModel`.

    Parameters
    ----------
    model_path : path-like, optional
        An ONNX model file; the shipped one by default.
    device : str
        "auto", "cpu" or "cuda" (onnxruntime provider choice).
    closure_gate : str
        How the lips are sealed where the audio shows a closed tract: "clip" (the
        default; judged against the whole clip, :mod:`talkrig.engines.closure_gate`),
        "causal" (what ``NeuralStream(acoustic_closures=True)`` returns, so offline and
        live output agree; :mod:`talkrig.engines.closure_gate_stream`) or "off" (the
        network's curves, what a plain :class:`talkrig.streaming.NeuralStream` returns).
    """

    name = "neural"
    # Replaced per instance by the model's version and digest; the class value names
    # this code's revision (batch signatures read it without loading a model).
    version = "neural+closures-2"

    def __init__(self, model_path: str | os.PathLike | None = None, device: str = "auto",
                 closure_gate: str = "clip"):
        if closure_gate not in CLOSURE_GATES:
            raise TalkRigError(f"closure gate must be one of {', '.join(CLOSURE_GATES)}, "
                               f"got {closure_gate!r}")
        self.model: NeuralModel = shared_model(None if model_path is None else str(model_path),
                                               device)
        self.closure_gate = closure_gate
        digest = self.model.digest
        suffix = CLOSURE_GATES[closure_gate]
        self.version = f"neural-{self.model.info.version}-{digest}{suffix}"

    def animate(self, request: EngineRequest, progress: ProgressFn | None = None) -> np.ndarray:
        """Curves for ``request``, shape (request.n_frames, 52), float32, 0..1."""
        fps_model = self.model.info.fps
        emotion_model = emotion_at(request, fps_model)
        # the model was trained on -30..0 dBFS peaks: at -40 dBFS its mouth hardly moved
        audio = raise_quiet(request.audio)
        curves = gated(self.model.curves(audio, emotion_model), audio, fps_model,
                       self.closure_gate)
        if progress:
            progress(1.0)
        return curves_for(request, curves, fps_model)


def emotion_at(request: EngineRequest, fps: float) -> np.ndarray:
    """The request's emotion resampled to a model's frame rate ``fps``: one row per
    model frame over the audio, (ceil(duration * fps), 7), float32."""
    n_model = max(1, int(np.ceil(request.duration_s * fps - 1e-9)))
    emotion = np.asarray(request.emotion, np.float32).reshape(-1, 7)
    return resample_frames(emotion, request.fps, fps, n_model)


def curves_for(request: EngineRequest, curves: np.ndarray, fps: float) -> np.ndarray:
    """A model's ``curves`` (T, 52) at ``fps`` as the request asked for them:
    (request.n_frames, 52) at ``request.fps``, in 0..1."""
    if abs(request.fps - fps) < 1e-9 and len(curves) == request.n_frames:
        return curves
    return np.clip(resample_frames(curves, fps, request.fps, request.n_frames), 0.0, 1.0)


def gated(curves: np.ndarray, audio: np.ndarray, fps: float, gate: str) -> np.ndarray:
    """``curves`` (T, 52) at ``fps`` sealed at the closures of ``audio`` by the closure
    gate named ``gate`` (a key of :data:`CLOSURE_GATES`)."""
    if gate == "clip":
        from talkrig.engines.closure_gate import seal_at_acoustic_closures

        return seal_at_acoustic_closures(curves, audio, fps)
    if gate == "causal":
        from talkrig.engines.closure_gate_stream import causal_seal

        return causal_seal(curves, audio, fps)
    return curves
