"""Export a Whisper-head checkpoint to ONNX with a dynamic time axis (dynamo exporter).

The graph takes ``states`` (1, T, 512), Whisper base's encoder states resampled to
60 fps (:func:`talkrig.take.resample_frames`), and ``emotion`` (1, T, 7), and
returns ``curves`` (1, T, 52) in 0..1. Metadata: ``talkrig.kind`` ("whisper-head"),
``talkrig.encoder`` ("whisper-base"), ``talkrig.dims`` (JSON of WhisperHeadDims),
``talkrig.version``, ``talkrig.channels``, ``talkrig.fps``, ``talkrig.training_step``,
``talkrig.training`` (the config). Usage::

    python -m training.export_whisper_head out/train_wh/step_004000.pt \
        core/talkrig/models/talkrig_neural_whisper.onnx
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from talkrig.engines.neural_whisper import HEAD_KIND
from training.export_onnx import export_command, parity, save_with_metadata

CHECK_FRAMES = (1, 7, 180, 1811)  # lengths checked in onnxruntime after export


def export(net, path: str | os.PathLike, extra_meta: dict | None = None) -> Path:
    """Export ``net`` (a WhisperHead, clamped to 0..1 on the way) to ``path`` and check
    it at several lengths."""
    import torch

    from talkrig.model.dims import MODEL_VERSION, N_EMOTION_AXES, OUTPUT_FPS
    from talkrig.model.whisper_head import ClampedHead
    from talkrig.rigs import ARKIT52

    net = ClampedHead(net).eval()
    frames = 120
    states = torch.randn(1, frames, net.dims.features)
    emotion = torch.zeros(1, frames, N_EMOTION_AXES)
    n = torch.export.Dim("frames", min=1, max=1_000_000)
    program = torch.onnx.export(net, (states, emotion), dynamo=True,
                                dynamic_shapes={"states": {1: n}, "emotion": {1: n}},
                                input_names=["states", "emotion"], output_names=["curves"],
                                optimize=True, verbose=False)
    meta = {"talkrig.kind": HEAD_KIND, "talkrig.encoder": net.dims.encoder,
            "talkrig.dims": net.dims.to_json(), "talkrig.version": MODEL_VERSION,
            "talkrig.channels": ",".join(ARKIT52), "talkrig.fps": str(OUTPUT_FPS)}
    path = save_with_metadata(program.model_proto, path, {**meta, **(extra_meta or {})})
    check_lengths(net, path)
    return path


def check_lengths(net, path: Path, frames=CHECK_FRAMES, tol: float = 1e-4) -> list[float]:
    """Run torch (``net``, a ClampedHead) and onnxruntime at several lengths; raise if they
    differ by > ``tol``."""
    rng = np.random.default_rng(0)
    cases = [(f"{n} frames", {
        "states": rng.standard_normal((1, n, net.dims.features)).astype(np.float32),
        "emotion": rng.uniform(0, 1, (1, n, 7)).astype(np.float32)}) for n in frames]
    return parity(net, path, cases, tol)


def main(argv: list[str] | None = None) -> int:
    from training.train_whisper_head import load_head

    return export_command(argv, __doc__.splitlines()[0], load_head, export,
                          lambda doc: doc.get("config", {}))


if __name__ == "__main__":
    raise SystemExit(main())
