"""Export a checkpoint to ONNX with a dynamic time axis (dynamo exporter).

The graph takes ``audio`` (1, N) float32 at 16 kHz with N a multiple of 800 and
``emotion`` (1, 3 N / 800, 7) float32, and returns ``curves`` (1, 3 N / 800, 52) in
0..1 at 60 fps. Metadata: ``talkrig.dims`` (JSON of ModelDims), ``talkrig.version``,
``talkrig.channels`` (comma-separated ARKit-52 names), ``talkrig.fps``,
``talkrig.sample_rate``, ``talkrig.block_samples``, ``talkrig.lookahead_s``,
``talkrig.context_s``. Usage::

    python -m training.export_onnx out/train/last.pt core/talkrig/models/talkrig_neural.onnx
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

CHECK_SECONDS = (0.05, 0.8, 3.0, 11.35)  # lengths checked in onnxruntime after export


def export(net, path: str | os.PathLike, extra_meta: dict | None = None) -> Path:
    """Export ``net`` (a TalkRigNet) to ``path`` and check it at several lengths."""
    import torch

    from talkrig.model.dims import (BLOCK_SAMPLES, MODEL_VERSION, OUTPUT_FPS, SAMPLE_RATE,
                                    ModelDims)
    from talkrig.model.network import ClampedNet
    from talkrig.rigs import ARKIT52

    dims: ModelDims = net.dims
    model = ClampedNet(net).eval()
    blocks = 20
    audio = torch.randn(1, blocks * BLOCK_SAMPLES) * 0.1
    emotion = torch.zeros(1, blocks * 3, 7)
    n_blocks = torch.export.Dim("blocks", min=1, max=100_000)
    shapes = {"audio": {1: BLOCK_SAMPLES * n_blocks}, "emotion": {1: 3 * n_blocks}}
    program = torch.onnx.export(model, (audio, emotion), dynamo=True, dynamic_shapes=shapes,
                                input_names=["audio", "emotion"], output_names=["curves"],
                                optimize=True, verbose=False)
    proto = program.model_proto
    meta = {"talkrig.dims": dims.to_json(), "talkrig.version": MODEL_VERSION,
            "talkrig.channels": ",".join(ARKIT52), "talkrig.fps": str(OUTPUT_FPS),
            "talkrig.sample_rate": str(SAMPLE_RATE),
            "talkrig.block_samples": str(BLOCK_SAMPLES),
            "talkrig.lookahead_s": f"{dims.lookahead_s:.6f}",
            "talkrig.context_s": f"{dims.context_s:.6f}"}
    path = save_with_metadata(proto, path, {**meta, **(extra_meta or {})})
    check_lengths(model, path)
    return path


def save_with_metadata(proto, path: str | os.PathLike, meta: dict[str, str]) -> Path:
    """Write the ONNX ``proto`` with ``meta`` as its metadata to ``path``, atomically
    (:func:`talkrig.atomic.atomic_open`), weights inline: one self-contained file."""
    from talkrig.atomic import atomic_open

    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb", force=True) as out:
        out.write(proto.SerializeToString())
    return path


def check_lengths(model, path: Path, seconds=CHECK_SECONDS, tol: float = 1e-4) -> list[float]:
    """Run torch and onnxruntime at several lengths; raise if they differ by > ``tol``."""
    from talkrig.model.dims import BLOCK_SAMPLES

    rng = np.random.default_rng(0)
    cases = []
    for s in seconds:
        n = max(1, int(round(s * 16000 / BLOCK_SAMPLES))) * BLOCK_SAMPLES
        cases.append((f"{s} s", {
            "audio": (rng.standard_normal((1, n)) * 0.1).astype(np.float32),
            "emotion": rng.uniform(0, 1, (1, n // BLOCK_SAMPLES * 3, 7)).astype(np.float32)}))
    return parity(model, path, cases, tol)


def parity(model, path: Path, cases: list[tuple[str, dict]], tol: float,
           output: str = "curves") -> list[float]:
    """Max |torch - onnxruntime| of ``output`` per case (label, {input name: array}); the
    torch ``model`` takes the inputs in the dict's order. Raises past ``tol``."""
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    diffs = []
    for label, feeds in cases:
        got = session.run([output], feeds)[0]
        with torch.no_grad():
            want = model(*(torch.from_numpy(v) for v in feeds.values())).numpy()
        diffs.append(float(np.max(np.abs(got - want))))
        if got.shape != want.shape or diffs[-1] > tol:
            raise RuntimeError(f"ONNX check failed at {label}: shape {got.shape} vs "
                               f"{want.shape}, max diff {diffs[-1]:.2e}")
    return diffs


def export_command(argv: list[str] | None, description: str, load, export_net,
                   config_of) -> int:
    """The command line of both exporters: CHECKPOINT OUTPUT. ``load(path)`` gives
    (network, checkpoint dict), ``config_of(dict)`` the run's config, which goes into the
    ONNX metadata with the training step; ``export_net(net, path, meta)`` writes it."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("checkpoint", type=Path, help="training checkpoint (.pt)")
    parser.add_argument("output", type=Path, help="ONNX file to write")
    args = parser.parse_args(argv)
    net, doc = load(args.checkpoint)
    extra = {"talkrig.training_step": str(doc.get("step", 0)),
             "talkrig.training": json.dumps(config_of(doc))}
    path = export_net(net, args.output, extra)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    from talkrig.model.checkpoint import load_checkpoint

    return export_command(argv, __doc__.splitlines()[0], load_checkpoint, export,
                          lambda doc: doc.get("extra", {}).get("config", {}))


if __name__ == "__main__":
    raise SystemExit(main())
