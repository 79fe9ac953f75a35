"""Cutting long audio into pieces at its quietest moments (for recognisers that take
bounded input)."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
QUIET_WINDOW_S = 0.1  # the quietest 100 ms: a pause between words, not a stop closure


def quiet_cuts(audio: np.ndarray, piece_s: float, search_s: float, longest_s: float,
               quiet_s: float = QUIET_WINDOW_S) -> list[tuple[int, int]]:
    """Sample ranges covering ``audio`` that cut it at its quietest moments.

    Audio up to ``longest_s`` is one range. Longer audio is cut in the middle of the
    quietest ``quiet_s`` within ``search_s`` of ``piece_s`` after the last cut, until
    what is left is no longer than ``longest_s``.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), 16 kHz
    piece_s, search_s, longest_s : float
        Seconds; a piece is at most ``piece_s + search_s`` long (and the last at most
        ``longest_s``), so ``piece_s + search_s <= longest_s`` bounds every piece.
    quiet_s : float
        Seconds of audio whose energy is compared: longer finds the middle of a longer
        pause, not its quietest instant (which may be right before a word).

    Returns
    -------
    list of (int, int)
        ``(start, end)`` sample indices, contiguous, from 0 to N.
    """
    n = len(audio)
    if n <= longest_s * SAMPLE_RATE:
        return [(0, n)]
    window = int(quiet_s * SAMPLE_RATE)
    energy = np.convolve(audio.astype(np.float32) ** 2, np.ones(window, np.float32),
                         mode="same")
    cuts, start = [], 0
    while n - start > longest_s * SAMPLE_RATE:
        mark = start + int(piece_s * SAMPLE_RATE)
        lo, hi = mark - int(search_s * SAMPLE_RATE), mark + int(search_s * SAMPLE_RATE)
        cut = lo + int(np.argmin(energy[lo:hi]))
        cuts.append((start, cut))
        start = cut
    cuts.append((start, n))
    return cuts
