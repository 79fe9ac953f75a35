"""Pick the neural-whisper head checkpoint that does best on held-out real speech.

Not the dev evaluation set: the 11 English clips of ``bench/heldout_speech.py`` (LibriSpeech
61-70968-0000 and multilingual_ipa*, 41 s, none of them in the training corpus), whose
references are forced alignments of their true transcripts. The head never sees words,
so the comparison is not circular. The score, fixed before any run was looked at, is the
mean of the pooled bilabial closure rate, open/bilabial AUC, rounded/spread AUC and
correlation at zero lag. Usage::

    python bench/heldout_speech.py          # builds /tmp/talkrig-heldout (once)
    python -m training.select_whisper_head out/train_wh/step_*.pt
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

SCORED = ("bilabial_closure_rate", "open_vs_bilabial_auc", "rounded_vs_spread_auc",
          "corr_at_zero_lag")


def heldout_score(animate, heldout: Path) -> tuple[float, dict]:
    """(the selection score, the pooled metrics) of an engine's ``animate`` on a folder
    written by ``bench/heldout_speech.py`` (either set), with no transcripts."""
    from talkrig.evaluation.report import evaluate_folder

    pooled = evaluate_folder(heldout, animate, with_text=False, baseline=False)["pooled"]
    return float(np.mean([pooled[k] for k in SCORED])), pooled


def check_heldout(parser: argparse.ArgumentParser, heldout: Path) -> None:
    """Exit through ``parser`` in one line when ``heldout`` holds no selection set."""
    if not any(heldout.glob("*.TextGrid")):
        parser.error(f"{heldout}: no held-out corpus (run python bench/heldout_speech.py)")


def score(onnx_path: Path, heldout: Path, encoder: Path | None = None) -> tuple[float, dict]:
    """(the selection score, the pooled held-out metrics) of a head file read with the
    encoder at ``encoder`` (the shipped one by default)."""
    from talkrig.engines.neural_whisper import WhisperNeuralEngine

    engine = WhisperNeuralEngine(onnx_path, device="cpu", encoder_path=encoder)
    return heldout_score(engine.animate, heldout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("checkpoints", type=Path, nargs="+", help="training checkpoints (.pt)")
    parser.add_argument("--heldout", type=Path, default=Path("/tmp/talkrig-heldout"),
                        help="held-out folder written by bench/heldout_speech.py")
    parser.add_argument("--encoder", type=Path, default=None,
                        help="Whisper encoder ONNX file the heads read (default: shipped)")
    args = parser.parse_args(argv)
    check_heldout(parser, args.heldout)
    from training.export_whisper_head import export
    from training.train_whisper_head import load_head

    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, ckpt in enumerate(args.checkpoints):
            net, _ = load_head(ckpt)
            candidate = export(net, Path(tmp) / f"candidate_{i}.onnx")
            value, pooled = score(candidate, args.heldout, args.encoder)
            scores[str(ckpt)] = value
            print(f"{ckpt}: score {value:.4f} ("
                  + ", ".join(f"{k} {pooled[k]:.3f}" for k in SCORED) + ")", flush=True)
    best = max(scores, key=scores.get)
    print(json.dumps({"best": best, "scores": scores}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
