"""Pick the checkpoint that transfers best to real speech.

Validation L1 is measured on held-out corpus clips, which are mostly synthetic voices;
it keeps improving while real-voice behaviour gets worse (the synthetic-to-real gap).
This picks, among checkpoints, the one whose lip aperture follows the loudness envelope
best on ``../shared/data/speech-multilingual`` (real speakers in seven languages, no
labels needed, and not the dev evaluation set). With ``--heldout DIR`` it scores them
instead as :mod:`training.select_whisper_head` scores heads, on a folder written by
``bench/heldout_speech.py`` (the 11 held-out clips, or with ``--heard`` the 51-52 heard
ones): the mean of closure, both AUCs and r(0). ONNX files (e.g. the shipped model) are
scored as they are. Usage::

    python -m training.select_checkpoint out/train_conv/step_*.pt
    python -m training.select_checkpoint --heldout /tmp/talkrig-heldout out/train_conv/step_*.pt
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np


def score(onnx_path: Path, heldout: Path | None = None) -> float:
    """Mean correlation of aperture with loudness over the multilingual clips, or with
    ``heldout`` the held-out selection score of the engine (closure gate included)."""
    from talkrig.engines.neural import NeuralEngine
    from training.compare_engines import multilingual
    from training.select_whisper_head import heldout_score

    animate = NeuralEngine(onnx_path, device="cpu").animate
    if heldout is not None:
        return heldout_score(animate, heldout)[0]
    rows = multilingual(animate)
    return float(np.mean([r["corr_aperture_loudness"] for r in rows.values()]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("checkpoints", type=Path, nargs="+",
                        help="training checkpoints (.pt) or exported models (.onnx)")
    parser.add_argument("--heldout", type=Path, default=None,
                        help="score on this folder written by bench/heldout_speech.py "
                             "instead of the multilingual clips")
    args = parser.parse_args(argv)
    from talkrig.model.checkpoint import load_checkpoint
    from training.export_onnx import export
    from training.select_whisper_head import check_heldout

    if args.heldout is not None:
        check_heldout(parser, args.heldout)

    measure = "held-out score" if args.heldout else "mean r(aperture, loudness)"
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, ckpt in enumerate(args.checkpoints):
            onnx_path = ckpt
            if ckpt.suffix != ".onnx":  # a new file name each time: sessions are cached
                onnx_path = export(load_checkpoint(ckpt)[0], Path(tmp) / f"candidate_{i}.onnx")
            scores[str(ckpt)] = score(onnx_path, args.heldout)
            print(f"{ckpt}: {measure} = {scores[str(ckpt)]:.4f}", flush=True)
    best = max(scores, key=scores.get)
    print(json.dumps({"best": best, "scores": scores}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
