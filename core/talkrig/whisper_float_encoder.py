"""Whisper base's encoder in float32 in onnxruntime, its weights read from CTranslate2's file.

Where a CPU's int8 products saturate (x86 without VNNI, :mod:`talkrig.cpu_int8`) the
words heard must be encoded in float32 (:mod:`talkrig.phones.whisper_words`). Loading
CTranslate2's Whisper a second time in float32 for that held all of the model's weights
twice, the decoder's too (813 MB resident after loading instead of 552 MB). This encoder
is a float32 ONNX graph of the encoder shipped without its weights
(``models/whisper_base_encoder_float.onnx``, under 1 MB, written by
``training.export_whisper_float``): each weight in it is an external initializer, and
``models/whisper_base_encoder_float.json`` names the encoder parameter (and whether
transposed) that fills it. The parameters come from the same ``model.bin`` the
CTranslate2 decoder is loaded from (:mod:`talkrig.ct2_model`,
:mod:`talkrig.model.whisper_weights`), so nothing of Whisper is stored twice on disk.
Whisper's log-mel runs inside the graph, as in the neural-whisper engine's encoder.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.model.dims import WhisperEncoderDims

FLOAT_ENCODER_KIND = "whisper-encoder-float"  # "kind" in the weights map, talkrig.kind in the graph
FLOAT_ENCODER_FILE = "whisper_base_encoder_float.onnx"  # in talkrig/models/
WEIGHTS_MAP_SUFFIX = ".json"  # beside the graph: which parameter fills which initializer
TRANSPOSED = "T"  # the initializer holds the parameter's transpose (a MatMul's weight)


def weights_map_path(graph: Path) -> Path:
    """The weights map that belongs to the weightless graph ``graph``."""
    return graph.with_suffix(WEIGHTS_MAP_SUFFIX)


def initializer_weights(weights_map: dict, state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The graph's external initializers by name, from the encoder's parameters
    ``state`` (:func:`talkrig.model.whisper_weights.encoder_state`)."""
    return {name: state[key].T if transform == TRANSPOSED else state[key]
            for name, (key, transform) in weights_map["weights"].items()}


class WhisperFloatEncoder:
    """Whisper's encoder states for audio, float32, from CTranslate2's ``model.bin`` bytes.

    Parameters
    ----------
    model_bin : bytes
        The CTranslate2 Whisper file whose encoder weights fill the graph.
    path : path-like, optional
        The weightless graph; the one shipped in the package by default.
    threads : int, optional
        Intra-op threads (onnxruntime's default: all cores).
    """

    def __init__(self, model_bin: bytes, path=None, threads: int | None = None):
        from talkrig.ct2_model import whisper_encoder_variables
        from talkrig.model.whisper_weights import encoder_state
        from talkrig.runtime import open_session, packaged_model

        self.path = Path(path) if path is not None else packaged_model(FLOAT_ENCODER_FILE)
        weights_map = _read_weights_map(weights_map_path(self.path))
        dims = WhisperEncoderDims.from_dict(weights_map["dims"])
        state = encoder_state(whisper_encoder_variables(model_bin), dims)
        self.session = open_session(self.path, "Whisper float32 encoder", "cpu", threads,
                                    memory_pattern=False,
                                    weights=initializer_weights(weights_map, state))
        self.width = dims.state_width

    def encode(self, audio: np.ndarray) -> np.ndarray:
        """audio (B, N) at 16 kHz, N a multiple of 320 samples, at most 30 s -> states
        (B, N / 320, 512), as CTranslate2's encoder gives them for Whisper's log-mel of
        the same audio."""
        return self.session.run(["states"], {"audio": np.ascontiguousarray(
            audio, np.float32)})[0]


def _read_weights_map(path: Path) -> dict:
    try:
        weights_map = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise TalkRigError(f"unreadable weights map ({exc.__class__.__name__})",
                           str(path)) from None
    if weights_map.get("kind") != FLOAT_ENCODER_KIND:
        raise TalkRigError(f"not a Whisper float32 encoder's weights map (kind is not "
                           f"{FLOAT_ENCODER_KIND!r})", str(path))
    return weights_map
