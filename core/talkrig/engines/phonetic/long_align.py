"""Forced alignment of long recordings, window by window.

PocketSphinx's alignment keeps the whole utterance's search in memory (2.2 GB for
5 minutes), so a lecture or an audiobook chapter cannot be aligned in one pass.
Here the audio is aligned in windows of ``WINDOW_S``: each window is offered the
next words of the transcript, more than it is expected to hold (from the speaking
rate over the loud audio); a grammar pass finds how many of them it holds
(:func:`talkrig.phones.sphinx.words_that_fit`), those are force-aligned, and only the
words that end well before the window's end are kept: the window may have cut the
last ones short. The next window starts where the last kept word ends. Memory stays
that of one window: 0.5 GB in all for 5 minutes, against 2.2 GB in one pass, at 8x
real time against 9.6x (30 s windows; 40 s and 60 s ones were slower and larger).
On 104 and 130 s of dev speech the windowed phones score as the one-pass ones do.
"""

from __future__ import annotations

import math

import numpy as np

from talkrig.phones import Phone

LONG_AUDIO_S = 180.0  # longer audio is aligned window by window (one pass: 1.3 GB at 3 min)
WINDOW_S = 30.0
# Words ending within this of a window's end are aligned again in the next window
# (the window may cut the last word; the aligner then bends its neighbours to fit).
COMMIT_MARGIN_S = 5.0
# Words offered to a window: this multiple of the number expected from the speaking
# rate, plus a few; a window that holds every word offered is offered twice as many.
WORD_SURPLUS = 1.25
EXTRA_WORDS = 4
# Stretches without audible speech longer than this are skipped (labelled a pause) up to
# PAUSE_LEAD_S before the speech resumes, so a music break or a long silence is never
# searched for words (PocketSphinx hears phones even in digital silence).
MIN_SKIP_S = 1.0
PAUSE_LEAD_S = 0.5
AUDIBLE_FRACTION = 0.2  # of the band's range above its noise floor: quiet speech too


def align_long(audio: np.ndarray, words: list[str], progress=None) -> list[Phone]:
    """Align ``words`` to ``audio`` of any length, one window at a time.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    words : list of str
        Normalised transcript words (:func:`talkrig.phones.transcript.normalise_words`).
    progress : callable, optional
        Called with the fraction of the audio aligned, 0..1.

    Returns
    -------
    list of Phone
        Phones with times over the whole audio, ``SIL`` for pauses.

    Raises
    ------
    AlignmentError
        When a window finds no alignment or keeps no word.
    """
    from talkrig.engines.phonetic.acoustic import LOUD_FRACTION, band_level_db, frames_above
    from talkrig.phones import sphinx

    words = sphinx.alignable_words(words)  # so that aligned spans count the words given
    if not words:
        raise sphinx.AlignmentError("transcript has no words to align")
    level = band_level_db(audio)  # (M,) dB every 5 ms
    loud = frames_above(level, LOUD_FRACTION)  # voiced speech (M,) bool, or None
    audible = frames_above(level, AUDIBLE_FRACTION)  # quiet speech too
    rate = len(words) / max(_speech_seconds(loud, 0, len(audio)), 1.0)  # words per speech s
    sr, total = sphinx.SAMPLE_RATE, len(audio)
    phones: list[Phone] = []
    start, first = 0, 0
    while first < len(words):
        resume = _next_speech(audible, start, total)
        if resume is None:
            raise sphinx.AlignmentError(f"{len(words) - first} transcript words are left "
                                        f"where the speech ends (a wrong transcript?)")
        if resume > start:  # a long pause (or the lead-in) is not searched for words
            phones.append(Phone("SIL", start / sr, resume / sr))
            start = resume
        end = min(total, start + int(WINDOW_S * sr))
        expected = rate * _speech_seconds(loud, start, end)
        found, kept, until = _window(audio[start:end], words[first:], expected, end == total)
        if kept == 0 and end == total:
            raise sphinx.AlignmentError(f"no transcript word fits the audio after "
                                        f"{start / sr:.0f} s (a partial or wrong transcript?)")
        phones += [p.shifted(start / sr) for p in found]
        first += kept
        start += int(round(until * sr))
        if progress and kept:
            progress(start / total)
    if phones and phones[-1].end_s < total / sr - 1e-9:  # after the last word: a pause
        phones.append(Phone("SIL", phones[-1].end_s, total / sr))
    return phones


def _window(piece: np.ndarray, words: list[str], expected: float, last: bool):
    """Align one window: (phones in window time, words kept, seconds to advance).

    The last window aligns all the words left, to its end (0 kept: none fit). Another
    keeps the words that end before its last ``COMMIT_MARGIN_S`` and advances to the end
    of the last of them; one that holds no word is a pause, and advances to
    ``COMMIT_MARGIN_S`` before its end.
    """
    from talkrig.phones import sphinx

    window_s = len(piece) / sphinx.SAMPLE_RATE
    if last:
        found, spans = sphinx.align_words(piece, words)
        return found, len(spans), window_s
    found, spans = _align_window(piece, words, expected)
    keep = _words_to_keep(spans, window_s)
    if keep == 0:  # no word here (music, noise, other talk): a pause, move on
        return [Phone("SIL", 0.0, window_s - COMMIT_MARGIN_S)], 0, window_s - COMMIT_MARGIN_S
    until = spans[keep - 1].end_s
    return ([Phone(p.label, p.start_s, min(p.end_s, until)) for p in found
             if p.start_s < until - 1e-9], keep, until)


def _next_speech(audible: np.ndarray | None, start: int, total: int) -> int | None:
    """Where to search for words from sample ``start``: there, or ``PAUSE_LEAD_S`` before
    the next audible frame when that is over ``MIN_SKIP_S`` away; None when no audible
    frame is left."""
    from talkrig.engines.phonetic.acoustic import HOP_S, SAMPLE_RATE

    if audible is None:
        return start
    hop = int(HOP_S * SAMPLE_RATE)
    ahead = np.flatnonzero(audible[start // hop:])
    if len(ahead) == 0:
        return None
    onset = (start // hop + int(ahead[0])) * hop
    if onset - start <= MIN_SKIP_S * SAMPLE_RATE:
        return start
    return min(total, onset - int(PAUSE_LEAD_S * SAMPLE_RATE))


def _align_window(piece: np.ndarray, words: list[str], expected: float):
    """Force-align the leading words that ``piece`` holds: (phones, spans), empty when it
    holds none."""
    from talkrig.phones import sphinx

    def fitting(count: int) -> int:
        try:
            return sphinx.words_that_fit(piece, words[:count])
        except sphinx.AlignmentError:  # no path at all: nothing here sounds like the words
            return 0

    count = min(len(words), math.ceil(expected * WORD_SURPLUS) + EXTRA_WORDS)
    fit = fitting(count)
    while fit == count < len(words):  # every word offered fits: offer more
        count = min(len(words), 2 * count)
        fit = fitting(count)
    return sphinx.align_words(piece, words[:fit]) if fit else ([], [])


def _words_to_keep(spans, window_s: float) -> int:
    """How many leading words of a window end before its last ``COMMIT_MARGIN_S``."""
    return sum(1 for span in spans if span.end_s <= window_s - COMMIT_MARGIN_S)


def _speech_seconds(loud: np.ndarray | None, start: int, end: int) -> float:
    """Seconds of loud (voiced) audio between samples ``start`` and ``end``, from the
    recording's loud-frame mask (every 5 ms; None: count all of it)."""
    from talkrig.engines.phonetic.acoustic import HOP_S, SAMPLE_RATE

    if loud is None:
        return (end - start) / SAMPLE_RATE
    hop = int(HOP_S * SAMPLE_RATE)
    return float(np.count_nonzero(loud[start // hop:end // hop]) * HOP_S)
