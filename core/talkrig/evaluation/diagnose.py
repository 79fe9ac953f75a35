"""Where the open-vowel/bilabial AUC is lost: per-phone attribution.

The AUC compares the maximum lip aperture of every open vowel with that of every
bilabial. Each misranked pair (bilabial at least as open as the vowel; ties count half)
costs ``1 / (n_open * n_bilabial)``; charging that cost to both members of the pair gives
every phone a share, and the shares of either class sum to ``1 - AUC``. The phones
with the largest shares are the ones worth looking at.

Usage::

    python -m talkrig.evaluation.diagnose FOLDER [--with-text] [--top 30]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from talkrig.evaluation.metrics import _frames_in, aperture, phone_class
from talkrig.phones import Phone

SCORED_CLASSES = ("open", "bilabial")


@dataclass(frozen=True)
class PhoneScore:
    """One scored phone: its class, maximum aperture and share of the AUC loss."""

    utterance: str
    label: str
    cls: str  # "open" or "bilabial"
    start_s: float
    end_s: float
    max_aperture: float
    context: str = ""  # neighbouring reference phones, e.g. "AY [P] R"
    loss: float = 0.0


def phone_scores(curves: np.ndarray, phones: Sequence[Phone], fps: float,
                 utterance: str = "") -> list[PhoneScore]:
    """Maximum aperture of each open vowel and bilabial (the AUC's material).

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
        ARKit-52 curves in canonical order.
    phones : sequence of Phone
        Reference phones.
    fps : float

    Returns
    -------
    list of PhoneScore
        In phone order; phones with no frame inside are skipped (as the metric does).
    """
    a = aperture(curves)
    t = np.arange(len(a)) / fps
    labels = [p.label for p in phones]
    out = []
    for k, ph in enumerate(phones):
        cls = phone_class(ph.label)
        inside = _frames_in(t, ph.start_s, ph.end_s)
        if cls not in SCORED_CLASSES or not inside.any():
            continue
        context = " ".join(labels[max(0, k - 1):k] + [f"[{ph.label}]"] + labels[k + 1:k + 2])
        out.append(PhoneScore(utterance, ph.label, cls, ph.start_s, ph.end_s,
                              float(a[inside].max()), context))
    return out


def attribute_auc_loss(scores: Sequence[PhoneScore]) -> list[PhoneScore]:
    """The scores with ``loss`` filled in: each phone's share of ``1 - AUC``.

    Returns
    -------
    list of PhoneScore
        Same order; the losses of the open vowels sum to ``1 - AUC`` and so do those of
        the bilabials (all zero when either class is empty).
    """
    opens = np.array([s.max_aperture for s in scores if s.cls == "open"])
    bils = np.array([s.max_aperture for s in scores if s.cls == "bilabial"])
    pairs = len(opens) * len(bils)
    if pairs == 0:
        return list(scores)
    out = []
    for s in scores:
        if s.cls == "open":
            bad = (bils > s.max_aperture).sum() + 0.5 * (bils == s.max_aperture).sum()
        else:
            bad = (opens < s.max_aperture).sum() + 0.5 * (opens == s.max_aperture).sum()
        out.append(replace(s, loss=float(bad) / pairs))
    return out


def diagnose_folder(folder, with_text: bool, fps: float = 60.0) -> list[PhoneScore]:
    """Run the phonetic engine on an annotated folder; per-phone AUC loss shares."""
    from talkrig.audio import load_audio
    from talkrig.engines.phonetic import PhoneticEngine
    from talkrig.evaluation.corpus import find_utterances
    from talkrig.evaluation.report import _request

    engine = PhoneticEngine()
    scores: list[PhoneScore] = []
    for item in find_utterances(folder):
        request = _request(load_audio(item.audio).samples, fps,
                           item.transcript if with_text else None)
        scores += phone_scores(engine.animate(request), item.phones, fps, item.name)
    return attribute_auc_loss(scores)


def format_losses(scores: Sequence[PhoneScore], top: int) -> str:
    """Summary line per class and the ``top`` costliest phones."""
    lines = []
    for cls in SCORED_CLASSES:
        mine = [s for s in scores if s.cls == cls]
        closed = sum(s.max_aperture <= 1e-3 for s in mine)
        lines.append(f"{cls}: {len(mine)} phones, {closed} with max aperture 0, "
                     f"AUC loss {sum(s.loss for s in mine):.3f}")
    for s in sorted(scores, key=lambda s: -s.loss)[:top]:
        lines.append(f"{s.loss * 100:5.2f}%  {s.cls:<8} {s.utterance[:20]:<20} {s.start_s:7.2f} s "
                     f"{(s.end_s - s.start_s) * 1e3:4.0f} ms  max A {s.max_aperture:.3f}  {s.context}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Per-phone attribution of the open-vowel/"
                                     "bilabial AUC loss of the phonetic engine.")
    parser.add_argument("folder", help="audio with phone annotations (as for talkrig eval)")
    parser.add_argument("--with-text", action="store_true",
                        help="align transcripts instead of recognising phones (default: off)")
    parser.add_argument("--top", type=int, default=30, help="phones to list (default: 30)")
    args = parser.parse_args(argv)
    print(format_losses(diagnose_folder(args.folder, args.with_text), args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
