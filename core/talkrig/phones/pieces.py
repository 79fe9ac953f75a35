"""Cutting long audio into pieces at its quietest moments (for recognisers that take
bounded input), and finding the stretches of it that are not a long pause."""

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
    energy = moving_sum(audio.astype(np.float64) ** 2, int(quiet_s * SAMPLE_RATE))
    cuts, start = [], 0
    while n - start > longest_s * SAMPLE_RATE:
        mark = start + int(piece_s * SAMPLE_RATE)
        lo, hi = mark - int(search_s * SAMPLE_RATE), mark + int(search_s * SAMPLE_RATE)
        cut = lo + int(np.argmin(energy[lo:hi]))
        cuts.append((start, cut))
        start = cut
    cuts.append((start, n))
    return cuts


def moving_sum(values: np.ndarray, window: int) -> np.ndarray:
    """The sum of ``window`` values around each of ``values`` (N,), shape (N,): as
    ``np.convolve(values, np.ones(window), mode="same")``, but from a running sum, so
    that it costs O(N) rather than O(N x window) (0.6 s per 78 s of audio at 400 ms)."""
    n = len(values)
    running = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    i = np.arange(n)
    lo = np.clip(i - window // 2, 0, n)
    hi = np.clip(i + (window - 1) // 2 + 1, 0, n)
    return running[hi] - running[lo]


# Whisper, shown a long pause, writes words into it: the dev line "Montreal forced
# aligner" twice with 20 s of digital silence between came back seven times over, with
# 45 s of it twice more and "you you"; with 20 s of quiet room noise once more. So the
# inside of every pause of LONG_PAUSE_S or more is left out of what it hears,
# PAUSE_KEEP_S kept at each edge for soft word onsets and endings.
LONG_PAUSE_S = 2.0
PAUSE_KEEP_S = 0.5
LEVEL_FRAME_S = 0.02  # the level is measured every 20 ms ...
LEVEL_SMOOTH_S = 0.2  # ... as the mean power over 200 ms (noise flickers frame to frame)
# ... in the formant band, where words rise above room noise that is mostly low (the
# broadband level of the dev line recorded with a cold stayed within 6 dB of its floor
# through 2.5 s of soft words; this band rose 6-16 dB)
LEVEL_BAND_HZ = (1000.0, 3500.0)
# "Quiet": within 3 dB of the recording's floor (the band's 10th percentile); 4-6 dB took
# soft words of the dev lines recorded with a cold and of a whispered one for pauses
QUIET_DB = 3.0
# ... and at least 30 dB under the loud level (the 99th percentile). With pink noise at
# 20 dB SNR the cold-voice dev line's weak last phrase sank to the noise floor for 1.5 s
# and went unheard (AUC 0.912 -> 0.878): in a noisy recording a pause cannot be told
# from weak words by level, so its pauses are left to Whisper.
MIN_PAUSE_DEPTH_DB = 30.0
MIN_LEVEL_RANGE_DB = 8.0  # floor to 99th percentile: flatter (steady noise, music) has no pauses


def band_levels_db(audio: np.ndarray) -> np.ndarray:
    """Level of the ``LEVEL_BAND_HZ`` band every ``LEVEL_FRAME_S``, averaged over
    ``LEVEL_SMOOTH_S``, in dB, shape (1 + N // 320,)."""
    from talkrig.features import one_band_power

    power = one_band_power(audio, int(LEVEL_FRAME_S * SAMPLE_RATE), LEVEL_BAND_HZ)
    width = int(round(LEVEL_SMOOTH_S / LEVEL_FRAME_S))
    return 10.0 * np.log10(np.convolve(power, np.ones(width) / width, mode="same") + 1e-12)


def speech_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of ``audio`` without the inside of its long pauses.

    Returns
    -------
    list of (int, int)
        ``(start, end)`` sample indices in order: the whole audio when it has no quiet
        run of ``LONG_PAUSE_S`` or more (or no level range to tell one by); none when
        all of it is one quiet run.
    """
    n = len(audio)
    if n == 0:
        return []
    level = band_levels_db(audio)
    noise, top = np.percentile(level, [10, 99])
    if top - noise < MIN_LEVEL_RANGE_DB:
        return [(0, n)]
    quiet = level <= min(noise + QUIET_DB, top - MIN_PAUSE_DEPTH_DB)
    hop, keep = int(LEVEL_FRAME_S * SAMPLE_RATE), int(PAUSE_KEEP_S * SAMPLE_RATE)
    spans, start = [], 0
    for lo, hi in true_runs(quiet):
        lo, hi = lo * hop, min(n, hi * hop)
        if hi - lo < LONG_PAUSE_S * SAMPLE_RATE:
            continue
        cut_from, cut_to = (lo + keep if lo > 0 else 0), (hi - keep if hi < n else n)
        if cut_from > start:
            spans.append((start, cut_from))
        start = cut_to
    if start < n:
        spans.append((start, n))
    return spans


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the True runs of ``mask`` (M,) bool."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))
