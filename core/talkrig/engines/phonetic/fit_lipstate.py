"""Fit the lip-state model (:mod:`talkrig.engines.phonetic.lipstate`) and write its JSON.

Training speech: folders of audio with phone annotations (as ``talkrig eval`` reads),
e.g. the held-out corpus that ``bench/heldout_speech.py`` builds from the English clips
outside the dev set. The inputs use the phones PocketSphinx *recognises* (as at run
time); the targets are the annotated phones.

Usage::

    python bench/heldout_speech.py --out /tmp/talkrig-heldout
    python -m talkrig.engines.phonetic.fit_lipstate /tmp/talkrig-heldout -o rigs/lipstate.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from talkrig.engines.phonetic.lipstate import CLASSES, LipStateModel, frame_features, frame_labels


@dataclass(frozen=True)
class FitOptions:
    """Fitting settings.

    l2 : ridge penalty on the standardised weights (per frame of data)
    bilabial_weight : loss weight of bilabial frames (they are ~4 % of speech)
    gain : (lo, hi) vowel gain written with the model
    vowel_floor : lip aperture kept open at P(vowel) = 1, written with the model (0.1 was
        chosen by 2-fold cross-validation on the held-out corpus and checked on synthetic
        speech; 0.2-0.3 helped one fold and hurt the other and the synthetic set)
    """

    l2: float = 30.0
    bilabial_weight: float = 3.0
    gain: tuple[float, float] = (0.5, 1.5)
    vowel_floor: float = 0.1
    max_iter: int = 500


def fit(features: np.ndarray, labels: np.ndarray, options: FitOptions = FitOptions()
        ) -> LipStateModel:
    """Weighted multinomial logistic regression (L-BFGS).

    Parameters
    ----------
    features : np.ndarray, shape (M, F)
    labels : np.ndarray, shape (M,), int in [0, len(CLASSES))
    """
    from scipy.optimize import minimize

    mean, scale = features.mean(0), features.std(0) + 1e-6
    z = np.c_[(features - mean) / scale, np.ones(len(features))]
    k = len(CLASSES)
    onehot = np.eye(k)[labels]
    w = np.where(labels == 0, options.bilabial_weight, 1.0)
    reg = np.ones((z.shape[1], 1))
    reg[-1] = 0.0  # no penalty on the bias

    def loss(flat):
        weights = flat.reshape(z.shape[1], k)
        logits = z @ weights
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        nll = -(w * np.log((p * onehot).sum(1) + 1e-12)).sum() / w.sum()
        penalty = 0.5 * options.l2 * (reg * weights ** 2).sum() / len(z)
        grad = z.T @ (w[:, None] * (p - onehot)) / w.sum() + options.l2 * reg * weights / len(z)
        return nll + penalty, grad.ravel()

    result = minimize(loss, np.zeros(z.shape[1] * k), jac=True, method="L-BFGS-B",
                      options={"maxiter": options.max_iter})
    return LipStateModel(mean, scale, result.x.reshape(z.shape[1], k), tuple(options.gain),
                         options.vowel_floor)


def corpus_arrays(folders: Sequence[str | Path]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features (from recognised phones) and labels (from annotations) of every utterance."""
    from talkrig.audio import load_audio
    from talkrig.evaluation.corpus import find_utterances
    from talkrig.phones import sphinx

    xs, ys, names = [], [], []
    for folder in folders:
        for item in find_utterances(folder):
            audio = load_audio(item.audio).samples
            feats = frame_features(audio, sphinx.recognise(audio))
            xs.append(feats)
            ys.append(frame_labels(item.phones, len(feats)))
            names.append(item.name)
    return np.concatenate(xs), np.concatenate(ys), names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit the phonetic engine's lip-state model.")
    parser.add_argument("folders", nargs="+", help="annotated speech folders (not the dev set)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    x, y, names = corpus_arrays(args.folders)
    model = fit(x, y)
    accuracy = float((model.posteriors(x).argmax(1) == y).mean())
    doc = model.to_json(f"fitted on {len(names)} utterances ({len(y) / 100:.1f} s): "
                        f"{', '.join(names)}; training frame accuracy {accuracy:.3f}")
    args.output.write_text(json.dumps(doc) + "\n")
    print(doc["description"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
