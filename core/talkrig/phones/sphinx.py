"""Phones from audio with PocketSphinx (the en-us model shipped in its PyPI wheel).

- :func:`align`: forced alignment of a transcript (``set_align_text`` then a second,
  phone-level pass and ``get_alignment``). Words missing from the CMU dictionary get
  pronunciations from :mod:`talkrig.phones.g2p`.
- :func:`recognise`: phone recognition (allphone search with the wheel's phone
  language model), for when no transcript is known.

PocketSphinx works in 10 ms frames; times here are seconds.
"""

from __future__ import annotations

import functools
import logging
import threading

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.phones import Phone
from talkrig.phones.labels import SILENCE, normalise_label

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FRAME_S = 0.01  # PocketSphinx frame shift
ALLPHONE_SEARCH = "allphone"
# Phone-LM weight of the allphone search. The default (6.5) lets the phone bigram
# override the acoustics and drops most bilabials; 2.0 scored best on the dev speech
# (open/bilabial AUC 0.70 -> 0.77; 1.0 and 3.0 were worse).
ALLPHONE_LANGUAGE_WEIGHT = 2.0
_LOCK = threading.Lock()  # one decoder, used by one call at a time


class AlignmentError(TalkRigError):
    """The transcript could not be aligned to the audio."""


# Alignment beams, tried in order: PocketSphinx's defaults (1e-48) lose the only
# path through long utterances with long pauses; wider beams keep it at little cost.
ALIGN_BEAMS = (1e-100, 1e-200)


@functools.lru_cache(maxsize=None)
def _aligner(beam: float):
    from pocketsphinx import Config, Decoder

    # word-exit beam 20 orders of magnitude narrower than the HMM beams (the defaults'
    # ratio); the forward-flat and best-path passes only re-rank words, which
    # alignment does not need, and with them the wide beams still lost the path
    return Decoder(Config(lm=None, loglevel="FATAL", beam=beam, pbeam=beam, wbeam=beam * 1e20,
                          fwdflat=False, bestpath=False))


@functools.lru_cache(maxsize=1)
def _recogniser():
    from pocketsphinx import Config, Decoder, get_model_path

    decoder = Decoder(Config(lm=None, loglevel="FATAL", lw=ALLPHONE_LANGUAGE_WEIGHT))
    decoder.add_allphone_file(ALLPHONE_SEARCH, get_model_path("en-us/en-us-phone.lm.bin"))
    decoder.activate_search(ALLPHONE_SEARCH)
    return decoder


def _pcm(audio: np.ndarray) -> bytes:
    audio = np.asarray(audio, np.float32)
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def _decode(decoder, pcm: bytes) -> None:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()


def prepare_words(decoder, words: list[str]) -> list[str]:
    """Words the decoder can align: dictionary words as they are, the others added
    with G2P pronunciations; words with no pronounceable letters dropped."""
    from talkrig.phones.g2p import pronounce

    usable = []
    for word in words:
        if decoder.lookup_word(word) is None:
            phones = pronounce(word)
            if not phones:
                continue
            decoder.add_word(word, " ".join(phones), True)
            log.info("G2P pronunciation for %r: %s", word, " ".join(phones))
        usable.append(word)
    return usable


def align(audio: np.ndarray, text: str) -> list[Phone]:
    """Force-align ``text`` to ``audio``.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    text : str
        Transcript (normalised here: punctuation, numbers, case).

    Returns
    -------
    list of Phone
        Phones with times, ``SIL`` for pauses.

    Raises
    ------
    AlignmentError
        When the transcript has no words or the decoder finds no alignment.
    """
    from talkrig.phones.transcript import normalise_words

    words = normalise_words(text)
    pcm = _pcm(audio)
    failure = "no beam width found a path"
    for beam in ALIGN_BEAMS:
        with _LOCK:
            decoder = _aligner(beam)
            usable = prepare_words(decoder, words)
            if not usable:
                raise AlignmentError("transcript has no words to align")
            try:
                phones = _align_pass(decoder, usable, pcm)
            except RuntimeError as exc:
                failure = str(exc)
                continue
        if any(p.label != SILENCE for p in phones):
            return phones
    raise AlignmentError(f"PocketSphinx could not align the transcript ({failure})")


def _align_pass(decoder, words: list[str], pcm: bytes) -> list[Phone]:
    decoder.set_align_text(" ".join(words))
    _decode(decoder, pcm)
    decoder.set_alignment()
    _decode(decoder, pcm)
    alignment = decoder.get_alignment()
    if alignment is None:
        return []
    return [Phone(normalise_label(p.name) or SILENCE, p.start * FRAME_S,
                  (p.start + p.duration) * FRAME_S) for p in alignment.phones()]


def recognise(audio: np.ndarray) -> list[Phone]:
    """Recognise phones in ``audio`` (allphone search).

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono

    Returns
    -------
    list of Phone
        Recognised phones with times; noise and silence as ``SIL``.
    """
    pcm = _pcm(audio)
    with _LOCK:
        decoder = _recogniser()
        _decode(decoder, pcm)
        segments = [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]
    return [Phone(normalise_label(word) or SILENCE, start * FRAME_S, (end + 1) * FRAME_S)
            for word, start, end in segments]
