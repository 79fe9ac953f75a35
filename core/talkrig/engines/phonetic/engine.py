"""PhoneticEngine: phones (aligned, from heard words, or recognised) -> curves_from_phones."""

from __future__ import annotations

import logging
import warnings
from typing import NamedTuple

import numpy as np

from talkrig.engines.base import EngineRequest, ProgressFn
from talkrig.engines.phonetic.coarticulation import curves_from_phones
from talkrig.engines.phonetic.acoustic import (closure_evidence, fill_loud_silences,
                                                speech_coverage)
from talkrig.engines.phonetic.lipstate import lip_state_controls
from talkrig.engines.phonetic.loudness import loudness_envelope
from talkrig.phones import Phone

log = logging.getLogger(__name__)

ENGINE_VERSION = "1.3.1"
PHONE_SHARE = 0.8  # fraction of the work spent finding phones (for progress bars)
HEAR_SHARE = 0.6  # fraction of the phone-finding spent hearing words (the rest aligning)
# An aligned transcript must account for this much of the loud (voiced) audio. Right
# transcripts of the dev clips cover 0.82-1.00 (one-word clips with a breath 0.63);
# the first third of a transcript covers 0.25-0.75, and "hello" for 27 s of speech 0.10.
MIN_TRANSCRIPT_COVERAGE = 0.5
# Modes without a transcript: the words or phones may be wrong, so the acoustic lip
# evidence (band-dip closures, lip-state gain) is laid over them.
RECOGNITION_MODES = ("heard", "recognised")


def _hearing_suffix() -> str:
    from talkrig.phones import whisper_words

    return f"+{whisper_words.MODEL_NAME}" if whisper_words.available() else ""


_HEARING_SUFFIX = _hearing_suffix()  # takes and batch resume tell the two installs apart


class FoundPhones(NamedTuple):
    """Timed phones and how they were found."""

    phones: list[Phone]
    mode: str  # "aligned" (the transcript), "heard" (words Whisper heard) or "recognised"
    heard_text: str | None = None  # the words aligned in "heard" mode


def phones_for(audio: np.ndarray, text: str | None, progress: ProgressFn | None = None,
               hear_words: bool = True) -> FoundPhones:
    """Timed phones for ``audio``: aligned to ``text`` when given, else to the words
    Whisper hears, else recognised one by one.

    A transcript whose alignment fails or covers too little of the speech is reported
    (``warnings`` and the log) and set aside. Heard words are used only when they are
    English and align over the speech; otherwise (and without the ``asr`` extra, or
    with ``hear_words=False``) phones are recognised directly.
    """
    from talkrig.phones import sphinx

    bar = _ForwardBar(progress) if progress else None
    if text and text.strip():
        found = _aligned(audio, text, bar, fillers=False)
        if isinstance(found, list):
            return FoundPhones(found, "aligned")
        _fall_back(f"transcript alignment failed: {found}; using "
                   + ("speech recognition" if _can_hear(hear_words) else "phone recognition"))
    if _can_hear(hear_words):
        heard = _heard(audio, bar and bar.rest())
        if heard is not None:
            return heard
    return FoundPhones(sphinx.recognise(audio, bar and bar.rest()), "recognised")


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


def _heard(audio: np.ndarray, progress: ProgressFn | None) -> FoundPhones | None:
    """Phones of the words Whisper hears, aligned; None when there are none to use."""
    from talkrig.phones import whisper_words

    hear_progress = _before(progress, HEAR_SHARE) if progress else None
    heard = whisper_words.hear(audio, hear_progress)
    if not heard.usable:
        log.info("no English words heard (language %s, p=%.2f); recognising phones",
                 heard.language, heard.language_probability)
        return None
    align_progress = _after(progress, HEAR_SHARE) if progress else None
    found = _aligned(audio, heard.text, align_progress, fillers=True)
    if not isinstance(found, list):
        log.info("the heard words did not align (%s); recognising phones", found)
        return None
    return FoundPhones(found, "heard", heard.text)


def _aligned(audio: np.ndarray, text: str, progress: ProgressFn | None,
             fillers: bool) -> list[Phone] | str:
    """The aligned phones of ``text``, or why they cannot be used (a message)."""
    from talkrig.phones import sphinx

    try:
        phones = _align(audio, text, progress, fillers)
    except sphinx.AlignmentError as exc:
        return exc.problem
    coverage = speech_coverage(phones, audio)
    if coverage < MIN_TRANSCRIPT_COVERAGE:
        return (f"its words cover only {coverage:.0%} of the speech "
                "(a partial or wrong transcript?)")
    return phones


def _align(audio: np.ndarray, text: str, progress: ProgressFn | None,
           fillers: bool) -> list[Phone]:
    """Forced alignment; audio over ``LONG_AUDIO_S`` window by window (one pass needs
    2.2 GB for 5 minutes; the windows about 0.5 GB for any length). Fillers are
    looked for only in one pass (the windows count the words they place)."""
    from talkrig.engines.phonetic.long_align import LONG_AUDIO_S, align_long
    from talkrig.phones import sphinx
    from talkrig.phones.transcript import normalise_words

    if len(audio) > LONG_AUDIO_S * sphinx.SAMPLE_RATE:
        return align_long(audio, normalise_words(text), progress)
    return sphinx.align(audio, text, fillers)


def silence_where_silent(phones: list[Phone], audio: np.ndarray) -> list[Phone]:
    """Relabel as ``SIL`` every phone whose stretch of audio is digital silence.

    PocketSphinx finds phones in digital silence (a fricative in an all-zero file,
    for instance); a face should rest where there is no sound at all.

    Parameters
    ----------
    phones : list of Phone
    audio : np.ndarray, shape (N,), 16 kHz
    """
    from talkrig.audio import SAMPLE_RATE, SILENT_PEAK

    out = []
    for ph in phones:
        lo, hi = int(ph.start_s * SAMPLE_RATE), int(np.ceil(ph.end_s * SAMPLE_RATE))
        piece = audio[lo:max(hi, lo + 1)]
        if ph.label != "SIL" and (piece.size == 0 or np.max(np.abs(piece)) < SILENT_PEAK):
            ph = Phone("SIL", ph.start_s, ph.end_s)
        out.append(ph)
    return out


def _fall_back(message: str) -> None:
    """Report (log + warning) that the transcript is not used."""
    log.warning(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


class PhoneticEngine:
    """Lip sync from the phones actually spoken (aligned or recognised), with
    coarticulation and the emotion layer.

    Parameters
    ----------
    use_loudness : bool
        Scale jaw opening with the loudness envelope (JALI-style jaw intensity).
    acoustic_closures : bool
        Without a transcript (words heard or phones recognised), close the lips where
        the 1-3.5 kHz band dips (see :mod:`talkrig.engines.phonetic.acoustic`), scale
        the mouth's opening
        by acoustic lip-state posteriors and keep it from shutting where the audio
        sounds like a vowel (:mod:`talkrig.engines.phonetic.lipstate`).
    lipstate_model : LipStateModel, optional
        The lip-state model to use; None = the shipped ``rigs/lipstate.json`` (another
        one is for cross-validation, see ``bench/heldout_speech.py --cv``).
    hear_words : bool
        Without a transcript, align the words Whisper hears (``asr`` extra installed;
        see :mod:`talkrig.phones.whisper_words`) before falling back to recognising
        phones one by one. False: phones only, as engines before 1.3 did.
    """

    name = "phonetic"
    version = ENGINE_VERSION + _HEARING_SUFFIX

    def __init__(self, use_loudness: bool = True, acoustic_closures: bool = True,
                 lipstate_model=None, hear_words: bool = True):
        self.use_loudness = use_loudness
        self.acoustic_closures = acoustic_closures
        self.lipstate_model = lipstate_model
        self.hear_words = hear_words
        if not hear_words:
            self.version = ENGINE_VERSION
        self.last_mode: str | None = None  # "aligned" / "heard" / "recognised", for reports
        self.last_heard: str | None = None  # the words heard in "heard" mode

    def animate(self, request: EngineRequest, progress: ProgressFn | None = None) -> np.ndarray:
        """ARKit-52 curves for ``request``, shape (request.n_frames, 52), float32."""
        if progress:
            progress(0.0)
        phone_progress = (lambda f: progress(PHONE_SHARE * f)) if progress else None
        phones, self.last_mode, self.last_heard = phones_for(
            request.audio, request.text, phone_progress, self.hear_words)
        phones = silence_where_silent(phones, request.audio)
        if progress:
            progress(PHONE_SHARE)
        n = request.n_frames
        loud = loudness_envelope(request.audio, n, request.fps) if self.use_loudness else None
        closure = gain = floor = None
        if self.last_mode in RECOGNITION_MODES and self.acoustic_closures:
            gain, floor = lip_state_controls(request.audio, phones, n, request.fps,
                                             self.lipstate_model)
            if self.last_mode == "recognised":
                # the phone loop calls speech silence; aligned words account for the
                # speech, so their loud pauses are breaths and noise (rest 0.954 ->
                # 0.979 on dev, 0.576 -> 0.636 held out, nothing else moved)
                phones = fill_loud_silences(phones, request.audio)
            closure = closure_evidence(request.audio, n, request.fps)
        curves = curves_from_phones(phones, n, request.fps, request.emotion, loud, closure,
                                    aperture_gain=gain, aperture_floor=floor)
        if progress:
            progress(1.0)
        return curves
