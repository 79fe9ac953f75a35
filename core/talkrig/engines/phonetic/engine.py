"""PhoneticEngine: PocketSphinx phones -> :func:`curves_from_phones`."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from talkrig.engines.base import EngineRequest, ProgressFn
from talkrig.engines.phonetic.coarticulation import curves_from_phones
from talkrig.engines.phonetic.acoustic import (closure_evidence, fill_loud_silences,
                                                speech_coverage)
from talkrig.engines.phonetic.lipstate import lip_state_controls
from talkrig.engines.phonetic.loudness import loudness_envelope
from talkrig.phones import Phone

log = logging.getLogger(__name__)

ENGINE_VERSION = "1.2.3"
PHONE_SHARE = 0.8  # fraction of the work spent finding phones (for progress bars)
# An aligned transcript must account for this much of the loud (voiced) audio. Right
# transcripts of the dev clips cover 0.82-1.00 (one-word clips with a breath 0.63);
# the first third of a transcript covers 0.25-0.75, and "hello" for 27 s of speech 0.10.
MIN_TRANSCRIPT_COVERAGE = 0.5


def phones_for(audio: np.ndarray, text: str | None,
               progress: ProgressFn | None = None) -> tuple[list[Phone], str]:
    """Timed phones for ``audio``: aligned to ``text`` when given, else recognised.

    An alignment failure is reported (``warnings`` and the log) and falls back to
    recognition.

    Returns
    -------
    phones : list of Phone
    mode : str
        ``"aligned"`` or ``"recognised"``.
    """
    from talkrig.phones import sphinx

    if text and text.strip():
        try:
            phones = _align(audio, text, progress)
        except sphinx.AlignmentError as exc:
            _fall_back(f"transcript alignment failed: {exc.problem}; using phone recognition")
        else:
            coverage = speech_coverage(phones, audio)
            if coverage >= MIN_TRANSCRIPT_COVERAGE:
                return phones, "aligned"
            _fall_back(f"transcript alignment failed: its words cover only {coverage:.0%} "
                       "of the speech (a partial or wrong transcript?); using phone recognition")
    return sphinx.recognise(audio, progress), "recognised"


def _align(audio: np.ndarray, text: str, progress: ProgressFn | None) -> list[Phone]:
    """Forced alignment; audio over ``LONG_AUDIO_S`` window by window (one pass needs
    2.2 GB for 5 minutes; the windows about 0.5 GB for any length)."""
    from talkrig.engines.phonetic.long_align import LONG_AUDIO_S, align_long
    from talkrig.phones import sphinx
    from talkrig.phones.transcript import normalise_words

    if len(audio) > LONG_AUDIO_S * sphinx.SAMPLE_RATE:
        return align_long(audio, normalise_words(text), progress)
    return sphinx.align(audio, text)


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
        In recognition mode, close the lips where the 1-3.5 kHz band dips
        (see :mod:`talkrig.engines.phonetic.acoustic`), scale the mouth's opening
        by acoustic lip-state posteriors and keep it from shutting where the audio
        sounds like a vowel (:mod:`talkrig.engines.phonetic.lipstate`).
    lipstate_model : LipStateModel, optional
        The lip-state model to use; None = the shipped ``rigs/lipstate.json`` (another
        one is for cross-validation, see ``bench/heldout_speech.py --cv``).
    """

    name = "phonetic"
    version = ENGINE_VERSION

    def __init__(self, use_loudness: bool = True, acoustic_closures: bool = True,
                 lipstate_model=None):
        self.use_loudness = use_loudness
        self.acoustic_closures = acoustic_closures
        self.lipstate_model = lipstate_model
        self.last_mode: str | None = None  # "aligned" / "recognised", for reports

    def animate(self, request: EngineRequest, progress: ProgressFn | None = None) -> np.ndarray:
        """ARKit-52 curves for ``request``, shape (request.n_frames, 52), float32."""
        if progress:
            progress(0.0)
        phone_progress = (lambda f: progress(PHONE_SHARE * f)) if progress else None
        phones, self.last_mode = phones_for(request.audio, request.text, phone_progress)
        phones = silence_where_silent(phones, request.audio)
        if progress:
            progress(PHONE_SHARE)
        n = request.n_frames
        loud = loudness_envelope(request.audio, n, request.fps) if self.use_loudness else None
        closure = gain = floor = None
        if self.last_mode == "recognised" and self.acoustic_closures:
            gain, floor = lip_state_controls(request.audio, phones, n, request.fps,
                                             self.lipstate_model)
            phones = fill_loud_silences(phones, request.audio)
            closure = closure_evidence(request.audio, n, request.fps)
        curves = curves_from_phones(phones, n, request.fps, request.emotion, loud, closure,
                                    aperture_gain=gain, aperture_floor=floor)
        if progress:
            progress(1.0)
        return curves
