"""Whisper base encoder states for every clip of a corpus folder, computed once.

The encoder (:mod:`talkrig.whisper_encoder`, the shipped ONNX graph unless another is
given) reads windows of the head's ``window_s``, and a corpus clip lasts at most 8 s,
so clips are packed into windows (``PACK_GAP_S`` of silence between them, the rest of
the window zero) rather than each padded on its own: the 2.87 h synthetic corpus takes
392 windows of 30 s instead of 2500. The states are cached beside the corpus as
``whisper_states_<layers>l_<window>s_<encoder digest>.npz`` (float16, 50 per second, clip
by clip).

    python -m training.whisper_states out/corpus_synth out/corpus_real --window-s 30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

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


def states_file(folder: Path, encoder, window_s: float) -> Path:
    """Where the states of ``folder`` read by ``encoder`` in ``window_s`` windows are
    cached (named by its depth, the window and the encoder file's digest, so that a
    re-exported encoder does not reuse another's states)."""
    taps = "".join(f"+{tap}" for tap in encoder.taps)  # "+4": block 4's outputs too
    return folder / f"whisper_states_{encoder.layers}l{taps}_{window_s:g}s_{encoder.digest}.npz"


def corpus_states(folder: Path, encoder, window_s: float, force: bool = False) -> Path:
    """Compute (unless cached) the states of ``folder``'s clips read by ``encoder`` (a
    :class:`talkrig.whisper_encoder.WhisperEncoder`); the cache path."""
    from talkrig.model.dims import SAMPLE_RATE
    from talkrig.whisper_encoder import STATE_SAMPLES
    from training.dataset import INT16_SCALE

    path = states_file(folder, encoder, window_s)
    arrays = np.load(folder / "clips.npz")  # (an npz reads each array when asked for it)
    offsets = arrays["offsets"]
    if path.exists() and not force and len(np.load(path)["offsets"]) == len(offsets):
        return path
    audio = arrays["audio"]
    lengths = np.diff(offsets).tolist()
    window = int(round(window_s * SAMPLE_RATE)) // STATE_SAMPLES * STATE_SAMPLES
    gap = int(PACK_GAP_S * SAMPLE_RATE) // STATE_SAMPLES * STATE_SAMPLES
    windows = _pack(lengths, window, gap, STATE_SAMPLES)
    states: list[np.ndarray | None] = [None] * len(lengths)
    started = time.time()
    for number, packed in enumerate(windows):
        buffer = np.zeros((1, window), np.float32)
        for index, start in packed:
            clip = audio[offsets[index]: offsets[index + 1]].astype(np.float32) / INT16_SCALE
            buffer[0, start: start + len(clip)] = clip
        encoded = encoder.encode(buffer)[0]
        for index, start in packed:
            first = start // STATE_SAMPLES
            states[index] = encoded[first: first + -(-lengths[index] // STATE_SAMPLES)]
        if (number + 1) % 200 == 0:
            print(f"{folder}: {number + 1}/{len(windows)} windows, "
                  f"{time.time() - started:.0f} s", file=sys.stderr)
    bounds = np.cumsum([0] + [len(s) for s in states])
    tmp = path.with_name(path.name + ".part.npz")
    np.savez(tmp, states=np.concatenate(states).astype(np.float16), offsets=bounds)
    tmp.replace(path)
    return path


def load_states(path: Path) -> list[np.ndarray]:
    """The cached states at ``path``, clip by clip: (K_i, width) float16 each."""
    doc = np.load(path)
    states, offsets = doc["states"], doc["offsets"]
    return [states[offsets[i]: offsets[i + 1]] for i in range(len(offsets) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="corpus folders (build_corpus)")
    parser.add_argument("--window-s", type=float, default=30.0,
                        help="window the encoder reads (the head's window_s)")
    parser.add_argument("--encoder", type=Path, default=None,
                        help="encoder ONNX file (default: the shipped one)")
    parser.add_argument("--force", action="store_true", help="recompute cached states")
    args = parser.parse_args(argv)
    from talkrig.whisper_encoder import WhisperEncoder

    encoder = WhisperEncoder(args.encoder, device="cpu")
    for folder in args.folders:
        print(corpus_states(folder, encoder, args.window_s, args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
