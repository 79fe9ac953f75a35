"""A sync plot: lip aperture/rounding and key channels over time, phone labels beneath.

    python -m talkrig.evaluation.plot AUDIO ANNOTATION OUT.png [--text TRANSCRIPT]
        [--start S --end S]

The reference phones (from the annotation) are drawn under the curves, with
bilabials shaded, so a reader can see whether the lips close on /p b m/ and open on
the vowels. matplotlib is imported only here.
"""

from __future__ import annotations

import argparse
import os
from typing import Sequence

import numpy as np

from talkrig.phones import Phone

FPS = 60.0
CHANNELS = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthPressLeft",
            "mouthStretchLeft")


def plot_sync(curves: np.ndarray, phones: Sequence[Phone], fps: float, path: str | os.PathLike,
              title: str = "", window: tuple[float, float] | None = None,
              baseline: np.ndarray | None = None) -> None:
    """Write a PNG of curves (T, 52) against reference phones.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
        Canonical ARKit-52 curves.
    phones : sequence of Phone
        Reference phones drawn under the curves.
    fps : float
    path : path
        Output PNG.
    window : (start_s, end_s), optional
        Time range to show.
    baseline : np.ndarray, shape (T, 52), optional
        Curves of a baseline engine, whose aperture is drawn dashed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from talkrig.evaluation.metrics import BILABIAL, aperture, phone_class, rounding
    from talkrig.rigs import ARKIT_INDEX

    t = np.arange(len(curves)) / fps
    lo, hi = window or (0.0, t[-1])
    fig, (ax_a, ax_c, ax_p) = plt.subplots(3, 1, figsize=(14, 6.5), sharex=True,
                                           gridspec_kw={"height_ratios": [3, 3, 1]})
    ax_a.plot(t, aperture(curves), color="k", lw=1.6, label="aperture A(t)")
    ax_a.plot(t, rounding(curves), color="tab:purple", lw=1.2, label="rounding R(t)")
    if baseline is not None:
        ax_a.plot(t, aperture(baseline), color="tab:gray", ls="--", lw=1, label="energy baseline A(t)")
    for name in CHANNELS:
        ax_c.plot(t, curves[:, ARKIT_INDEX[name]], lw=1, label=name)
    for ph in phones:
        if ph.end_s < lo or ph.start_s > hi:
            continue
        cls = phone_class(ph.label)
        colour = {"bilabial": "tab:red", "open": "tab:green", "silence": "white"}.get(cls, "0.9")
        for ax in (ax_a, ax_c):
            if ph.label in BILABIAL:
                ax.axvspan(ph.start_s, ph.end_s, color="tab:red", alpha=0.12, lw=0)
        ax_p.axvspan(ph.start_s, ph.end_s, color=colour, alpha=0.35, ec="0.6", lw=0.5)
        if ph.label != "SIL":
            ax_p.text(ph.centre_s, 0.5, ph.label, ha="center", va="center", fontsize=7,
                      rotation=90 if ph.duration_s < 0.05 else 0)
    ax_a.set_ylabel("lip measures")
    ax_c.set_ylabel("ARKit value")
    ax_a.legend(loc="upper right", fontsize=7, ncol=3)
    ax_c.legend(loc="upper right", fontsize=7, ncol=3)
    ax_p.set_yticks([])
    ax_p.set_ylabel("phones")
    ax_p.set_xlabel("time (s)  -  red: bilabials /p b m/, green: open vowels")
    ax_p.set_xlim(lo, hi)
    if title:
        ax_a.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Plot phonetic-engine curves against "
                                     "reference phones.")
    parser.add_argument("audio")
    parser.add_argument("annotation", help=".TextGrid with a phone tier, or TIMIT .phn")
    parser.add_argument("output", help="PNG to write")
    parser.add_argument("--text", default=None, help="transcript (forced alignment); "
                        "omitted: phone recognition")
    parser.add_argument("--start", type=float, default=None)
    parser.add_argument("--end", type=float, default=None)
    args = parser.parse_args(argv)
    from talkrig.audio import load_audio
    from talkrig.engines.base import EngineRequest, frame_count
    from talkrig.engines.phonetic import PhoneticEngine
    from talkrig.evaluation.baseline import energy_curves
    from talkrig.phones.readers import read_phones

    audio = load_audio(args.audio).samples
    n = frame_count(len(audio) / 16_000, FPS)
    engine = PhoneticEngine()
    curves = engine.animate(EngineRequest(audio, FPS, np.zeros((n, 7), np.float32), args.text))
    window = None
    if args.start is not None or args.end is not None:
        window = (args.start or 0.0, args.end or n / FPS)
    plot_sync(curves, read_phones(args.annotation), FPS, args.output,
              title=f"{os.path.basename(args.audio)}: phonetic engine ({engine.last_mode}) "
                    "vs reference phones", window=window,
              baseline=energy_curves(audio, n, FPS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
