"""Where the phonetic engine's phones come from: a transcript aligned, else the words
Whisper hears aligned, else phones recognised one by one; with the checks that set a
transcript or heard words aside, and a progress bar that never moves back."""

from __future__ import annotations

import logging
import warnings
from typing import NamedTuple

import numpy as np

from talkrig.engines.base import ProgressFn
from talkrig.engines.phonetic.acoustic import speech_coverage
from talkrig.phones import Phone

log = logging.getLogger(__name__)

HEAR_SHARE = 0.6  # fraction of the phone-finding spent hearing words (the rest aligning)
# An aligned transcript must account for this much of the loud voiced audio
# (acoustic.judged_frames). Right transcripts of the 21 English dev clips cover
# 0.91-1.00 (a clip with loud breaths 1.00; 0.37 when breaths were judged too); the
# first third of a transcript covers 0.24-1.00 (short clips), "hello" for 27 s 0.12.
MIN_TRANSCRIPT_COVERAGE = 0.5
# Modes without a transcript: the words or phones may be wrong, so the acoustic lip
# evidence (band-dip closures, lip-state gain) is laid over them.
RECOGNITION_MODES = ("heard", "recognised")
# With check_text, a transcript of at least MIN_CHECKED_WORDS words is reported when
# this share of its words and Whisper's differ (word_mismatch). Right transcripts of
# the 17 English dev clips with four or more words: 0-0.53 (accented speech that
# Whisper mishears); other clips' transcripts of the same length: 0.81-1.
MAX_WORD_MISMATCH = 0.7
MIN_CHECKED_WORDS = 4
# A transcript with this share of its words missing from the English dictionary is
# probably in another language: English dev transcripts miss 0-10 % (names), Spanish,
# French and Swedish ones 41-75 %. Fewer than MIN_UNKNOWN_WORDS is never reported.
FOREIGN_WORD_SHARE = 0.3
MIN_UNKNOWN_WORDS = 3


class FoundPhones(NamedTuple):
    """Timed phones and how they were found."""

    phones: list[Phone]
    mode: str  # how: one of talkrig.take.PHONE_SOURCES ("aligned", "heard", ...)
    heard_text: str | None = None  # the words aligned in "heard" mode


def phones_for(audio: np.ndarray, text: str | None, progress: ProgressFn | None = None,
               hear_words: bool = True, check_text: bool = False,
               on_encoded=None) -> FoundPhones:
    """Timed phones for ``audio``: aligned to ``text`` when given, else to the words
    Whisper hears, else recognised one by one.

    A transcript whose alignment fails or covers too little of the speech is reported
    (``warnings`` and the log) and set aside. Heard words are used only when they are
    English and align over the speech; otherwise (and without the ``asr`` extra, or
    with ``hear_words=False``) phones are recognised directly. With ``check_text``
    (and the ``asr`` extra) the words of a transcript are compared with those Whisper
    hears, and a mismatch is reported; the transcript is still followed.
    ``on_encoded`` is handed to every hearing (:func:`talkrig.phones.whisper_words.hear`).
    """
    from talkrig.audio import SAMPLE_RATE, is_silent
    from talkrig.phones import sphinx

    if is_silent(audio):
        # nothing to hear or align (loading already warned that the audio is silent)
        return FoundPhones([Phone("SIL", 0.0, audio.size / SAMPLE_RATE)], "silent")
    bar = _ForwardBar(progress) if progress else None
    hearing = _can_hear(hear_words)
    checked = None  # words heard while checking or judging the transcript
    if text and text.strip():
        _check_english(text)
        if check_text and _can_hear(True):
            checked = _check_heard(audio, text, bar and _before(bar, HEAR_SHARE), on_encoded)
        found, checked = _transcript_aligned(audio, text, bar, hearing, checked, on_encoded)
        if found is not None:
            return found
    if hearing:
        heard = _heard(audio, bar and bar.rest(), checked, on_encoded)
        if heard is not None:
            return heard
    return FoundPhones(sphinx.recognise(audio, bar and bar.rest()), "recognised")


def _transcript_aligned(audio: np.ndarray, text: str, bar, hearing: bool, heard,
                        on_encoded=None):
    """(the transcript's phones, or None when it is set aside (reported); the words
    heard, when they were: ``heard`` or heard here).

    A transcript that covers too little of the loud audio is kept when it covers the
    speech where Whisper hears words (the rest is music or noise); hearing them then
    costs nothing extra, since the engine would otherwise fall back to them."""
    from talkrig.phones import sphinx, whisper_words

    try:
        phones = _align(audio, text, bar and bar.rest(), fillers=False)
        problem = _coverage_problem(phones, audio)
    except sphinx.AlignmentError as exc:
        phones, problem = None, exc.problem
    if problem and phones and hearing:
        heard = heard or whisper_words.hear(audio, bar and _before(bar.rest(), HEAR_SHARE),
                                            on_encoded=on_encoded)
        if heard.usable and not _coverage_problem(phones, audio, heard.segments):
            log.info("the transcript covers the speech Whisper heard; the loud audio "
                     "outside it is taken for music or noise")
            problem = None
    if problem is None:
        return FoundPhones(phones, "aligned"), heard
    _report(f"transcript alignment failed: {problem}; using "
            + ("speech recognition" if hearing else "phone recognition"), stacklevel=4)
    return None, heard


def _check_english(text: str) -> None:
    """Warn when a transcript looks like another language: the aligner is English and
    guesses the pronunciation of every word its dictionary lacks."""
    from talkrig.phones import sphinx
    from talkrig.phones.transcript import normalise_words

    words = normalise_words(text)
    unknown = sphinx.unknown_words(words)
    if len(unknown) >= MIN_UNKNOWN_WORDS and len(unknown) >= FOREIGN_WORD_SHARE * len(words):
        examples = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        message = (f"{len(unknown)} of the transcript's {len(words)} words are not in the "
                   f"English dictionary ({examples}): another language? The aligner is "
                   "English and guesses their pronunciations")
        _report(message, stacklevel=4)


def script_mismatch(text: str, heard_text: str) -> tuple[int, float]:
    """(words in ``text``, the share of words that differ between ``text`` and the words
    heard), both normalised and without fillers (transcript.word_mismatch)."""
    from talkrig.phones.sphinx import without_fillers
    from talkrig.phones.transcript import normalise_words, word_mismatch

    said, got = (without_fillers(normalise_words(words)) for words in (text, heard_text))
    return len(said), word_mismatch(said, got)


def _check_heard(audio: np.ndarray, text: str, progress: ProgressFn | None, on_encoded=None):
    """Warn when ``text`` and the words Whisper hears in ``audio`` differ (a transcript
    of another line?); silent when Whisper hears no English words. Returns what it
    heard (:class:`~talkrig.phones.whisper_words.HeardWords`), for reuse."""
    from talkrig.phones import whisper_words
    from talkrig.phones.transcript import excerpt

    heard = whisper_words.hear(audio, progress, hesitations=False,  # (compared without)
                               on_encoded=on_encoded)
    if not heard.usable:
        return heard
    n_said, mismatch = script_mismatch(text, heard.text)
    if n_said >= MIN_CHECKED_WORDS and mismatch >= MAX_WORD_MISMATCH:
        message = (f"the transcript does not match the words heard ({mismatch:.0%} of the "
                   f"words differ; heard {excerpt(heard.text)!r}): a transcript of another "
                   "line?")
        _report(message, stacklevel=4)
    return heard


class _ForwardBar:
    """Progress that never moves back: work after a set-aside attempt (a transcript that
    did not align, words that could not be used) fills the rest of the bar."""

    def __init__(self, progress: ProgressFn):
        self.progress, self.done = progress, 0.0

    def __call__(self, fraction: float) -> None:
        self.done = max(self.done, fraction)
        self.progress(self.done)

    def rest(self) -> ProgressFn:
        return _after(self, self.done)


def _after(progress: ProgressFn, done: float) -> ProgressFn:
    """``progress`` for work that fills the part of the bar after ``done``."""
    return lambda f: progress(done + (1 - done) * f)


def _before(progress: ProgressFn, share: float) -> ProgressFn:
    """``progress`` for work that fills the first ``share`` of the bar."""
    return lambda f: progress(share * f)


def _can_hear(hear_words: bool) -> bool:
    from talkrig.phones import whisper_words

    return hear_words and whisper_words.available()


def _heard(audio: np.ndarray, progress: ProgressFn | None,
           heard=None, on_encoded=None) -> FoundPhones | None:
    """Phones of the words Whisper hears, aligned (with recognised phones in the loud
    pauses between them when they cover too little of the loud audio); None when there
    are none to use."""
    from talkrig.engines.phonetic.heard_align import recognised_where_uncovered
    from talkrig.phones import sphinx, whisper_words
    from talkrig.phones.transcript import excerpt

    hear_progress = _before(progress, HEAR_SHARE) if progress else None
    if heard is None:  # (not already heard while checking a transcript)
        heard = whisper_words.hear(audio, hear_progress, on_encoded=on_encoded)
    if not heard.usable:
        _report(_not_usable(heard) + "; animating from recognised phones", stacklevel=4)
        return None
    align_progress = _after(progress, HEAR_SHARE) if progress else None
    try:
        phones = _align(audio, heard.text, align_progress, True, heard.segments, heard.pieces)
    except sphinx.AlignmentError as exc:
        _report(f"the words heard ({excerpt(heard.text, 40)!r}) did not align: "
                f"{exc.problem}; animating from recognised phones", stacklevel=4)
        return None
    coverage = _short_coverage(phones, audio, heard.segments)
    if coverage is not None:
        # Whisper's words come from this audio: what they leave uncovered is music or
        # noise, or speech it did not hear; either way the words keep their lips
        phones = recognised_where_uncovered(phones, audio)
        _report(f"the words heard ({excerpt(heard.text, 40)!r}) cover only {coverage:.0%} "
                "of the loud voiced audio (music or noise, or speech Whisper did not "
                "hear?); the long pauses between them that are loud are animated from "
                "recognised phones", stacklevel=4)
    return FoundPhones(phones, "heard", heard.text)


def _coverage_problem(phones: list[Phone], audio: np.ndarray, segments=()) -> str | None:
    """Why aligned ``phones`` do not account for the speech (a message), or None."""
    coverage = _short_coverage(phones, audio, segments)
    if coverage is None:
        return None
    return f"its words cover only {coverage:.0%} of the speech (a partial or wrong transcript?)"


def _short_coverage(phones: list[Phone], audio: np.ndarray, segments=()) -> float | None:
    """The share of the speech that aligned ``phones`` cover when it is too little
    (under ``MIN_TRANSCRIPT_COVERAGE``), else None.

    With Whisper's ``segments`` only the speech inside them is judged: they say where
    it heard words, and loud audio outside them (music, a jingle, noise) is not speech
    that words must cover."""
    coverage = speech_coverage(phones, audio, _stretches(segments))
    return coverage if coverage < MIN_TRANSCRIPT_COVERAGE else None


def _stretches(segments) -> list[tuple[float, float]] | None:
    """(start_s, end_s) of Whisper's ``segments``; None (the whole audio) without any."""
    return [(segment.start_s, segment.end_s) for segment in segments] or None


def _align(audio: np.ndarray, text: str, progress: ProgressFn | None,
           fillers: bool, segments=(), pieces=()) -> list[Phone]:
    """Forced alignment: words heard in ``pieces`` over ``FILLER_MAX_S`` (or that find
    no alignment in one pass) piece by piece, a transcript over ``LONG_AUDIO_S`` (one
    pass needs 2.2 GB for 5 minutes) window by window (about 0.5 GB for any length),
    the rest in one pass. Fillers are looked for in one pass of heard words or in a
    piece (the windows count the words they place); the guessed ones beside a word
    they pushed out of its Whisper ``segments`` are set aside
    (:mod:`talkrig.engines.phonetic.heard_align`)."""
    from talkrig.engines.phonetic.heard_align import align_pieces, anchored
    from talkrig.engines.phonetic.long_align import LONG_AUDIO_S, align_long
    from talkrig.phones import sphinx
    from talkrig.phones.transcript import normalise_words

    if pieces and len(audio) > sphinx.FILLER_MAX_S * sphinx.SAMPLE_RATE:
        return align_pieces(audio, pieces, segments, progress)
    if len(audio) > LONG_AUDIO_S * sphinx.SAMPLE_RATE:
        return align_long(audio, normalise_words(text), progress)
    try:
        if fillers and segments:
            return anchored(audio, normalise_words(text), segments)
        return sphinx.align(audio, text, fillers)
    except sphinx.AlignmentError as exc:
        if len(pieces) < 2:
            raise
        # (a piece's words that do not fit, a loop Whisper wrote say, fail the whole pass)
        log.warning("the words heard did not align in one pass (%s); aligning them piece "
                    "by piece", exc.problem)
        return align_pieces(audio, pieces, segments, progress)


def silence_where_silent(phones: list[Phone], audio: np.ndarray) -> list[Phone]:
    """Relabel as ``SIL`` every phone whose stretch of audio is digital silence.

    PocketSphinx finds phones in digital silence (a fricative in an all-zero file,
    for instance); a face should rest where there is no sound at all.

    Parameters
    ----------
    phones : list of Phone
    audio : np.ndarray, shape (N,), 16 kHz
    """
    from talkrig.audio import SAMPLE_RATE, is_silent

    out = []
    for ph in phones:
        lo, hi = int(ph.start_s * SAMPLE_RATE), int(np.ceil(ph.end_s * SAMPLE_RATE))
        if ph.label != "SIL" and is_silent(audio[lo:max(hi, lo + 1)]):
            ph = Phone("SIL", ph.start_s, ph.end_s)
        out.append(ph)
    return out


def _not_usable(heard) -> str:
    """Why words Whisper heard are not aligned, e.g. "no English words heard (Whisper's
    language guess 'ja', p=1.00)"; silence and noise get guesses of any language."""
    if not heard.text.strip():
        return "no words heard"
    return (f"no English words heard (Whisper's language guess '{heard.language}', "
            f"p={heard.language_probability:.2f})")


def _report(message: str, stacklevel: int = 3) -> None:
    """Log and warn ``message``: a transcript or the words heard set aside, or doubtful.
    ``stacklevel`` 3 from :func:`phones_for` points the warning at its caller."""
    log.warning(message)
    warnings.warn(message, RuntimeWarning, stacklevel=stacklevel)
