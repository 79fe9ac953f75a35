"""The states of a Whisper encoder for audio of any length, in onnxruntime.

The ``neural-whisper`` engine reads Whisper base's encoder from an int8 ONNX graph
shipped in the package (``models/whisper_base_encoder.onnx``), exported by
``training.export_whisper_encoder`` from the installed weights; Whisper's log-mel is
inside the graph), so it needs only onnxruntime and numpy. The encoder attends over its
whole input, so its states depend on the window they were read in: audio is read in
windows of the head's ``window_s`` (30 s, Whisper's own), each zero-padded to that
length as Whisper pads it, and windows that start ``window_s - WINDOW_OVERLAP_S`` apart
are cross-faded over the audio they share: no jump where one hands over to the next.
Windows go through the graph one at a time: its int8 products quantize activations
with one scale per call, so windows batched together would change each other's states
(and batches raise peak memory).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.model.dims import (SAMPLE_RATE, WHISPER_BASE, WHISPER_FEATURE_FPS,
                                WhisperEncoderDims)
from talkrig.runtime import cached_per_file, packaged_model

ENCODER_KIND = "whisper-encoder"  # talkrig.kind in the encoder's ONNX metadata
STATE_SAMPLES = SAMPLE_RATE // WHISPER_FEATURE_FPS  # 320 samples = 20 ms per state
WINDOW_OVERLAP_S = 2.0  # audio two neighbouring windows share, cross-faded
PACKAGED_ENCODERS = {WHISPER_BASE: "whisper_base_encoder.onnx"}  # Whisper model -> file


def default_encoder_path(model: str = WHISPER_BASE) -> Path:
    """The encoder of the Whisper model ``model`` shipped in the package."""
    if model not in PACKAGED_ENCODERS:
        raise TalkRigError(f"no packaged Whisper encoder {model!r}; this install has "
                           f"{', '.join(PACKAGED_ENCODERS)}")
    return packaged_model(PACKAGED_ENCODERS[model])


class WhisperEncoder:
    """An onnxruntime session over an encoder file (``talkrig.kind`` = "whisper-encoder").

    ``model``: the Whisper model whose weights it holds; ``layers``: how many of its
    blocks it runs (a head reads the states of one model and depth only); ``taps``:
    the blocks whose outputs it appends to the final states; ``width``: the size of a
    state (with its taps); ``digest``: names the file in versions and caches.
    """

    def __init__(self, path: str | os.PathLike | None = None, device: str = "auto",
                 threads: int | None = None):
        from talkrig.runtime import open_session

        self.path = Path(path) if path is not None else default_encoder_path()
        # without a memory pattern: a minute of speech peaks at 406 MB instead of 537 MB,
        # at the same speed (session 16, bench/bench_neural_whisper.py)
        self.session = open_session(self.path, "Whisper encoder", device, threads,
                                    memory_pattern=False)
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("talkrig.kind") != ENCODER_KIND:
            raise TalkRigError(f"not a Whisper encoder (its metadata lacks talkrig.kind = "
                               f"{ENCODER_KIND!r})", str(self.path))
        dims = WhisperEncoderDims.from_dict(json.loads(meta["talkrig.dims"]))
        self.model, self.layers, self.taps = dims.model, dims.layers, dims.taps
        self.width = dims.state_width

    @functools.cached_property
    def digest(self) -> str:
        """The first 10 hex digits of the file's SHA-256 (read once per session)."""
        from talkrig.audio import file_sha256

        return file_sha256(self.path)[:10]

    def encode(self, windows: np.ndarray) -> np.ndarray:
        """windows (B, N) at 16 kHz, N a multiple of 320 -> states (B, N / 320, width)."""
        return self.session.run(["states"], {"audio": np.ascontiguousarray(
            windows, np.float32)})[0]


def shared_encoder(path: str | os.PathLike | None = None, device: str = "auto") -> WhisperEncoder:
    """A cached :class:`WhisperEncoder` (sessions are expensive to create); ``None`` is
    the shipped base encoder, cached under its path, so it is not opened twice (but a
    file written anew there is)."""
    return _cached_encoder(path or default_encoder_path(), device)


@cached_per_file(maxsize=2)
def _cached_encoder(path: str, device: str) -> WhisperEncoder:
    return WhisperEncoder(path, device)


def reads_states_of(dims, encoder: WhisperEncoder) -> bool:
    """Whether a head of ``dims`` (:class:`talkrig.model.dims.WhisperHeadDims`) was made
    for ``encoder``'s states: the same Whisper model, depth, taps and state width."""
    return ((encoder.model, encoder.layers, tuple(encoder.taps), encoder.width)
            == (dims.encoder, dims.encoder_layers, tuple(dims.encoder_taps), dims.features))


def window_starts(n_samples: int, window: int) -> list[int]:
    """First samples of the windows that cover ``n_samples`` (at least one window)."""
    overlap = int(WINDOW_OVERLAP_S * SAMPLE_RATE)
    return list(range(0, max(n_samples - overlap, 1), window - overlap))


def encoder_states(audio: np.ndarray, window_s: float, encoder: WhisperEncoder | None = None,
                   progress=None) -> np.ndarray:
    """States of ``audio`` (N,) at 16 kHz, one per 20 ms: shape (ceil(N / 320), width).

    State k describes the audio around ``k * 20 ms``; ``window_s`` is the length of
    the windows it is read in (a multiple of 20 ms, more than ``WINDOW_OVERLAP_S``).
    """
    encoder = encoder or shared_encoder()
    window = int(round(window_s * WHISPER_FEATURE_FPS)) * STATE_SAMPLES
    n_states = -(-len(audio) // STATE_SAMPLES)
    total = np.zeros((n_states, encoder.width), np.float32)
    weight = np.zeros(n_states, np.float32)
    starts = window_starts(len(audio), window)
    for number, start in enumerate(starts):
        piece = np.zeros((1, window), np.float32)
        piece[0, : len(audio[start: start + window])] = audio[start: start + window]
        states = encoder.encode(piece)[0]  # one window per call (see module docstring)
        first = start // STATE_SAMPLES
        keep = min(len(states), n_states - first)
        w = _fade(len(states), fade_in=number > 0, fade_out=number < len(starts) - 1)[:keep]
        total[first: first + keep] += states[:keep] * w[:, None]
        weight[first: first + keep] += w
        if progress:
            progress((number + 1) / len(starts))
    return total / np.maximum(weight, 1e-6)[:, None]


def _fade(n: int, fade_in: bool, fade_out: bool) -> np.ndarray:
    """Weights (n,) of a window's states: 1, ramping over the overlap at the edges it
    shares with a neighbour (the two ramps of an overlap sum to 1)."""
    overlap = int(WINDOW_OVERLAP_S * WHISPER_FEATURE_FPS)
    w = np.ones(n, np.float32)
    ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
    if fade_in:
        w[:overlap] = ramp
    if fade_out:
        w[-overlap:] = ramp[::-1]
    return w
