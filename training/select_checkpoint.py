"""Pick the checkpoint that transfers best to real speech.

Validation L1 is measured on held-out corpus clips, which are mostly synthetic voices;
it keeps improving while real-voice behaviour gets worse (the synthetic-to-real gap).
This picks, among checkpoints, the one whose lip aperture follows the loudness envelope
best on ``../shared/data/speech-multilingual`` (real speakers in seven languages, no
labels needed, and not the dev evaluation set). Usage::

    python -m training.select_checkpoint out/train_conv/step_*.pt
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np


def score(onnx_path: Path) -> float:
    """Mean correlation of aperture with loudness over the multilingual clips."""
    from talkrig.engines.neural import NeuralEngine
    from training.compare_engines import multilingual

    rows = multilingual(NeuralEngine(onnx_path, device="cpu").animate)
    return float(np.mean([r["corr_aperture_loudness"] for r in rows.values()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("checkpoints", type=Path, nargs="+", help="training checkpoints (.pt)")
    args = parser.parse_args(argv)
    from talkrig.model.checkpoint import load_checkpoint
    from training.export_onnx import export

    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, ckpt in enumerate(args.checkpoints):
            net, _ = load_checkpoint(ckpt)  # a new file name each time: sessions are cached
            scores[str(ckpt)] = score(export(net, Path(tmp) / f"candidate_{i}.onnx"))
            print(f"{ckpt}: mean r(aperture, loudness) = {scores[str(ckpt)]:.4f}")
    best = max(scores, key=scores.get)
    print(json.dumps({"best": best, "scores": scores}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
