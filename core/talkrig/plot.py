"""A picture of a take an animator can read: waveform, mouth, brows, eyes, emotion."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from talkrig.take import Take

# Panels: title -> substrings of channel names (any rig; case-insensitive).
PANELS = (
    ("mouth", ("jawopen", "mouthclose", "mouthfunnel", "mouthpucker", "mouthsmile",
               "mouthpress", "mouthstretch", "mouthlowerdown", "cornerpull", "lipstogether",
               "mouthlipspurse")),
    ("brows", ("brow",)),
    ("eyes", ("eyeblink", "eyelook", "eyewide", "eyesquint", "eyelid")),
)
MAX_LINES = 8  # per panel, the most active channels
FIGURE_SIZE = (12, 9)  # inches
DPI = 110


def _panel_channels(take: Take, keys: tuple[str, ...]) -> list[int]:
    idx = [i for i, c in enumerate(take.channels) if any(k in c.lower() for k in keys)]
    spread = take.values[:, idx].std(axis=0) if idx else np.zeros(0)
    ranked = [idx[j] for j in np.argsort(-spread)]
    # merge left/right twins: keep the first of each pair for readability
    seen, chosen = set(), []
    for i in ranked:
        stem = take.channels[i].lower().replace("left", "").replace("right", "").rstrip("lr_")
        if stem not in seen:
            seen.add(stem)
            chosen.append(i)
    return chosen[:MAX_LINES]


def plot_take(take: Take, output: str | os.PathLike, audio_path: str | None = None,
              force: bool = False) -> Path:
    """Draw ``take`` to a PNG (atomically)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from talkrig.atomic import atomic_open

    times = take.times() - take.start_time_s
    fig, axes = plt.subplots(5, 1, figsize=FIGURE_SIZE, sharex=True,
                             gridspec_kw={"height_ratios": [1, 2, 1.3, 1.3, 0.9]})
    _draw_waveform(axes[0], audio_path or (take.audio.path if take.audio else None))
    for ax, (title, keys) in zip(axes[1:4], PANELS):
        for i in _panel_channels(take, keys):
            ax.plot(times, take.values[:, i], lw=1.1, label=take.channels[i])
        ax.set_ylabel(title)
        ax.legend(loc="upper right", fontsize=7, ncol=4, framealpha=0.7)
        ax.grid(alpha=0.3)
    _draw_emotion(axes[4], take, times)
    axes[-1].set_xlabel("time (s)")
    name = Path(take.audio.path).name if take.audio else "take"
    fig.suptitle(f"{name}: {take.rig}, {take.fps:g} fps, engine {take.provenance.engine}")
    fig.tight_layout()
    with atomic_open(output, "wb", force=force) as handle:
        fig.savefig(handle, format="png", dpi=DPI)
    plt.close(fig)
    return Path(output)


def _draw_waveform(ax, audio_path: str | None) -> None:
    ax.set_ylabel("audio")
    if not audio_path or not Path(audio_path).is_file():
        ax.text(0.5, 0.5, "audio file not available", ha="center", transform=ax.transAxes)
        return
    from talkrig.audio import SAMPLE_RATE, load_audio

    samples = load_audio(audio_path).samples
    step = max(1, len(samples) // 20000)  # a few thousand points is plenty for a picture
    ax.plot(np.arange(0, len(samples), step) / SAMPLE_RATE, samples[::step], lw=0.4,
            color="0.3")


def _draw_emotion(ax, take: Take, times: np.ndarray) -> None:
    from talkrig.emotion import EMOTION_AXES, track_from_json

    ax.set_ylabel("emotion")
    ax.set_ylim(0, 1.05)
    if not take.emotion:
        return
    vectors = track_from_json(take.emotion, "take").vectors(take.fps, take.n_frames)
    for axis, label in enumerate(EMOTION_AXES):
        if vectors[:, axis].max() > 0:
            ax.plot(times, vectors[:, axis], lw=1.5, label=label)
    if vectors.max() > 0:
        ax.legend(loc="upper right", fontsize=7, ncol=4)
    else:
        ax.text(0.01, 0.5, "neutral", transform=ax.transAxes)
