"""Run the shipped neural model with onnxruntime and numpy only (no torch).

The ONNX graph (see ``training/export_onnx.py``) maps ``audio`` (1, N) at 16 kHz,
N a multiple of 800 samples, and ``emotion`` (1, 3 N / 800, 7) to ``curves``
(1, 3 N / 800, 52) in 0..1 at 60 fps. Its metadata describes it: dims, channel
names, version, frame rate, lookahead and context. Long audio runs in overlapping
windows (the network's receptive field is bounded), so memory stays flat.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError

MODEL_FILE = "talkrig_neural.onnx"  # inside talkrig/models/
SAMPLE_RATE = 16_000  # Hz
WINDOW_S = 30.0  # offline audio is processed in windows of this much new audio


@dataclass(frozen=True)
class ModelInfo:
    """What the ONNX metadata says about a model."""

    version: str  # talkrig.version
    dims: dict  # ModelDims as a dict
    channels: tuple[str, ...]  # output channel names (ARKit-52 canonical order)
    fps: int  # output frame rate of the graph
    block_samples: int  # audio length must be a multiple of this
    lookahead_s: float  # future audio one frame depends on
    context_s: float  # past audio one frame depends on

    @property
    def frames_per_block(self) -> int:
        return int(round(self.block_samples * self.fps / SAMPLE_RATE))


MODEL_ENV = "TALKRIG_NEURAL_MODEL"  # a model file to use instead of the shipped one


def packaged_model(name: str) -> Path:
    """The file ``name`` shipped in the package's ``models/`` folder."""
    return Path(str(resources.files("talkrig").joinpath("models", name)))


def default_model_path() -> Path:
    """The file named by ``TALKRIG_NEURAL_MODEL``, else the model shipped in the package."""
    chosen = os.environ.get(MODEL_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    return packaged_model(MODEL_FILE)


def onnx_providers(device: str) -> list[str]:
    """onnxruntime execution providers for ``device`` ("auto", "cpu" or "cuda")."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device in ("auto", "cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "cuda":
        raise TalkRigError("CUDA was requested but onnxruntime has no CUDA provider "
                           "(install onnxruntime-gpu instead of onnxruntime)", "--device")
    return ["CPUExecutionProvider"]


def open_session(path: Path, what: str, device: str = "auto", threads: int | None = None,
                 memory_pattern: bool = True, weights: dict[str, np.ndarray] | None = None):
    """An onnxruntime session over ``path`` (``what`` names the file in errors); one-line
    errors for a missing or unloadable file. ``threads``: intra-op threads (onnxruntime's
    default: all cores). ``memory_pattern=False`` stops onnxruntime from planning one
    block for all of a run's intermediate tensors at once. ``weights``: arrays for the
    graph's initializers that the file marks as external data, by name (onnxruntime
    copies them in). Threads never spin-wait."""
    import onnxruntime as ort

    if not path.is_file():
        raise TalkRigError(f"{what} file not found", str(path))
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.enable_mem_pattern = memory_pattern
    # idle threads sleep instead of spinning after a run: two sessions in turn (the
    # Whisper encoder, then the head) and numpy between them get the cores back
    # (neural-whisper, a minute: 0.555 s -> 0.507 s on 2 cores side by side; same outputs)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # the arrays and their OrtValues must live until the session has copied them in
    arrays = [np.ascontiguousarray(value) for value in (weights or {}).values()]
    values = [ort.OrtValue.ortvalue_from_numpy(array) for array in arrays]
    if values:
        options.add_external_initializers(list(weights), values)
    try:
        return ort.InferenceSession(str(path), options, providers=onnx_providers(device))
    except Exception as exc:  # onnxruntime raises its own exception types
        raise TalkRigError(f"not a loadable ONNX model ({exc.__class__.__name__})",
                           str(path)) from None


class NeuralModel:
    """An onnxruntime session over a TalkRig model file.

    Parameters
    ----------
    path : path-like, optional
        ONNX file; the shipped model by default.
    device : str
        "auto" (CUDA when onnxruntime has it), "cpu" or "cuda".
    threads : int, optional
        Intra-op threads (onnxruntime's default: all cores).
    """

    def __init__(self, path: str | os.PathLike | None = None, device: str = "auto",
                 threads: int | None = None):
        self.path = Path(path) if path is not None else default_model_path()
        self.session = open_session(self.path, "neural model", device, threads)
        self.info = _read_info(self.session.get_modelmeta().custom_metadata_map, self.path)

    @functools.cached_property
    def digest(self) -> str:
        """The first 10 hex digits of the file's SHA-256 (read once per session)."""
        from talkrig.audio import file_sha256

        return file_sha256(self.path)[:10]

    def run_blocks(self, audio: np.ndarray, emotion: np.ndarray) -> np.ndarray:
        """One graph call.

        Parameters
        ----------
        audio : np.ndarray, shape (N,), N a multiple of ``info.block_samples``
        emotion : np.ndarray, shape (N / block_samples * frames_per_block, 7)

        Returns
        -------
        np.ndarray, shape (len(emotion), 52), float32 at ``info.fps``
        """
        feeds = {"audio": np.ascontiguousarray(audio, np.float32)[None],
                 "emotion": np.ascontiguousarray(emotion, np.float32)[None]}
        return self.session.run(["curves"], feeds)[0][0]

    def curves(self, audio: np.ndarray, emotion: np.ndarray | None = None,
               window_s: float = WINDOW_S) -> np.ndarray:
        """Curves at the model's rate (60 fps) for a whole clip.

        Parameters
        ----------
        audio : np.ndarray, shape (N,), float32 at 16 kHz
        emotion : np.ndarray, shape (T, 7), optional
            Per-frame emotion at ``info.fps``; rows are repeated or cut to fit. None = neutral.

        Returns
        -------
        np.ndarray, shape (ceil(N / 16000 * fps), 52), float32, 0..1
        """
        info = self.info
        n_frames = max(1, math.ceil(len(audio) * info.fps / SAMPLE_RATE - 1e-9))
        n_blocks = max(1, -(-len(audio) // info.block_samples))
        padded = np.zeros(n_blocks * info.block_samples, np.float32)
        padded[: len(audio)] = audio
        emo = fit_rows(emotion, n_blocks * info.frames_per_block)
        win = max(1, int(window_s * SAMPLE_RATE) // info.block_samples)
        if n_blocks <= win or not math.isfinite(info.context_s):  # (a pretrained encoder
            return self.run_blocks(padded, emo)[:n_frames]         # sees the whole clip)
        return self._windowed(padded, emo, n_blocks, win)[:n_frames]

    def _windowed(self, padded, emo, n_blocks: int, win: int) -> np.ndarray:
        info, fpb = self.info, self.info.frames_per_block
        left = math.ceil(info.context_s * SAMPLE_RATE / info.block_samples)  # blocks
        right = math.ceil(info.lookahead_s * SAMPLE_RATE / info.block_samples)
        out = np.empty((n_blocks * fpb, len(info.channels)), np.float32)
        for b0 in range(0, n_blocks, win):
            b1 = min(n_blocks, b0 + win)
            w0, w1 = max(0, b0 - left), min(n_blocks, b1 + right)
            part = self.run_blocks(padded[w0 * info.block_samples: w1 * info.block_samples],
                                   emo[w0 * fpb: w1 * fpb])
            out[b0 * fpb: b1 * fpb] = part[(b0 - w0) * fpb: (b1 - w0) * fpb]
        return out


def fit_rows(values: np.ndarray | None, n: int, width: int = 7) -> np.ndarray:
    """``values`` (T, width) cut or extended (last row repeated) to (n, width)."""
    if values is None or len(values) == 0:
        return np.zeros((n, width), np.float32)
    values = np.asarray(values, np.float32).reshape(len(values), width)
    if len(values) >= n:
        return values[:n]
    return np.concatenate([values, np.repeat(values[-1:], n - len(values), 0)])


def _read_info(meta: dict, path: Path) -> ModelInfo:
    try:
        return ModelInfo(version=meta["talkrig.version"],
                         dims=json.loads(meta["talkrig.dims"]),
                         channels=tuple(meta["talkrig.channels"].split(",")),
                         fps=int(meta["talkrig.fps"]),
                         block_samples=int(meta["talkrig.block_samples"]),
                         lookahead_s=float(meta["talkrig.lookahead_s"]),
                         context_s=float(meta["talkrig.context_s"]))
    except (KeyError, ValueError) as exc:
        raise TalkRigError(f"ONNX file lacks TalkRig metadata ({exc})", str(path)) from None


THREADS_ENV = "TALKRIG_THREADS"  # onnxruntime threads per process (batch workers set 1)


def file_stamp(path: str | os.PathLike) -> tuple[int, int]:
    """(modification time in ns, size) of ``path``; (0, 0) when it cannot be read (opening
    it then says why)."""
    try:
        stat = os.stat(path)
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def cached_per_file(maxsize: int):
    """Cache an opener ``(path, device) -> object`` per model file as it is now.

    The cache keys on the path, the device and :func:`file_stamp`, so a file written anew
    at the same path (a retrained network, in a Blender or Unreal session that stays open)
    is opened anew, not served from the cache. The wrapper keeps ``cache_clear``.
    """
    def wrap(open_file):
        @functools.lru_cache(maxsize=maxsize)
        def opened(path: str, device: str, stamp: tuple[int, int]):
            return open_file(path, device)

        @functools.wraps(open_file)
        def cached(path: str | os.PathLike, device: str):
            chosen = str(Path(path))
            return opened(chosen, device, file_stamp(chosen))
        cached.cache_clear = opened.cache_clear
        return cached
    return wrap


def shared_model(path: str | os.PathLike | None = None, device: str = "auto") -> NeuralModel:
    """A cached :class:`NeuralModel` (sessions are expensive to create): ``path``, else
    ``TALKRIG_NEURAL_MODEL``, else the shipped model, as the file is now.

    ``TALKRIG_THREADS`` caps its intra-op threads, so parallel batch workers do not
    each start one thread per core.
    """
    return _cached_model(path if path is not None else default_model_path(), device)


@cached_per_file(maxsize=4)
def _cached_model(path: str, device: str) -> NeuralModel:
    threads = os.environ.get(THREADS_ENV, "").strip()
    return NeuralModel(path, device, threads=int(threads) if threads.isdigit() else None)
