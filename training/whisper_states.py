"""Whisper base encoder states for every clip of a corpus folder, computed once.

Whisper's encoder reads 30 s windows, and a corpus clip lasts at most 8 s, so clips are
packed into windows (``PACK_GAP_S`` of silence between them) rather than each padded to
30 s on its own: the 2.87 h synthetic corpus takes 392 windows, about 3.5 minutes on
2 cores, instead of 2500. The states are cached beside the corpus as
``whisper_base_states.npz`` (float16, 50 per second, clip by clip).

    python -m training.whisper_states out/corpus_synth out/corpus_real
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

STATES_FILE = "whisper_base_states.npz"
PACK_GAP_S = 0.2  # silence between packed clips


def _pack(lengths: list[int], window: int, gap: int, unit: int) -> list[list[tuple[int, int]]]:
    """Windows of (clip index, start sample); starts fall on ``unit`` (one state)."""
    windows, current, used = [], [], 0
    for index, length in enumerate(lengths):
        padded = -(-length // unit) * unit
        if current and used + padded > window:
            windows.append(current)
            current, used = [], 0
        current.append((index, used))
        used += padded + gap
    if current:
        windows.append(current)
    return windows


def corpus_states(folder: Path, force: bool = False) -> Path:
    """Compute (unless cached) the encoder states of ``folder``'s clips; the cache path."""
    from talkrig.model.dims import SAMPLE_RATE
    from talkrig.whisper_encoder import STATE_SAMPLES, WINDOW_SAMPLES, encode_window
    from training.dataset import INT16_SCALE

    path = folder / STATES_FILE
    arrays = np.load(folder / "clips.npz")  # (an npz reads each array when asked for it)
    offsets = arrays["offsets"]
    if path.exists() and not force and len(np.load(path)["offsets"]) == len(offsets):
        return path
    audio = arrays["audio"]
    lengths = np.diff(offsets).tolist()
    gap = int(PACK_GAP_S * SAMPLE_RATE) // STATE_SAMPLES * STATE_SAMPLES
    windows = _pack(lengths, WINDOW_SAMPLES, gap, STATE_SAMPLES)
    states: list[np.ndarray | None] = [None] * len(lengths)
    started = time.time()
    for number, window in enumerate(windows):
        buffer = np.zeros(WINDOW_SAMPLES, np.float32)
        for index, start in window:
            clip = audio[offsets[index]: offsets[index + 1]].astype(np.float32) / INT16_SCALE
            buffer[start: start + len(clip)] = clip
        encoded = encode_window(buffer)
        for index, start in window:
            first = start // STATE_SAMPLES
            states[index] = encoded[first: first + -(-lengths[index] // STATE_SAMPLES)]
        if (number + 1) % 50 == 0:
            print(f"{folder}: {number + 1}/{len(windows)} windows, "
                  f"{time.time() - started:.0f} s", file=sys.stderr)
    bounds = np.cumsum([0] + [len(s) for s in states])
    tmp = path.with_name(path.name + ".part.npz")
    np.savez(tmp, states=np.concatenate(states).astype(np.float16), offsets=bounds)
    tmp.replace(path)
    return path


def load_states(folder: Path) -> list[np.ndarray]:
    """The cached states of ``folder``, clip by clip: (K_i, 512) float16 each."""
    doc = np.load(folder / STATES_FILE)
    states, offsets = doc["states"], doc["offsets"]
    return [states[offsets[i]: offsets[i + 1]] for i in range(len(offsets) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="corpus folders (build_corpus)")
    parser.add_argument("--force", action="store_true", help="recompute cached states")
    args = parser.parse_args(argv)
    for folder in args.folders:
        print(corpus_states(folder, args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
