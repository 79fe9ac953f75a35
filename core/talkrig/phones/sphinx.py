"""Phones from audio with PocketSphinx (the en-us model shipped in its PyPI wheel).

- :func:`align`: forced alignment of a transcript (``set_align_text`` then a second,
  phone-level pass and ``get_alignment``). Words missing from the CMU dictionary get
  pronunciations from :mod:`talkrig.phones.g2p`. With ``fillers``, :func:`with_fillers`
  first finds the hesitations ("uh", "um") between the words, for words a recogniser
  heard (:mod:`talkrig.phones.whisper_words`).
- :func:`recognise`: phone recognition (allphone search with the wheel's phone
  language model), for when no transcript is known.

PocketSphinx works in 10 ms frames; times here are seconds.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, replace

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.phones import Phone
from talkrig.phones.labels import SCHWA, SILENCE, normalise_label

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FRAME_S = 0.01  # PocketSphinx frame shift
ALLPHONE_SEARCH = "allphone"
PREFIX_SEARCH = "prefix"  # grammar search of words_that_fit
FILLER_SEARCH = "fillers"  # grammar search of with_fillers
# Hesitations that word recognisers leave out of their transcripts ("um" closes the lips)
FILLER_WORDS = ("uh", "um")
# Hesitations as transcripts spell them. Their vowel is a schwa (SCHWA), articulated
# near the speech-ready rest posture (Gick et al. 2004), not the stressed /ʌ/ the
# dictionary gives "uh" and "um": aligned, their AH becomes AX, a half-open jaw. A hum
# ("hmm": HH M) has no vowel and closes the lips.
HESITATION_WORDS = frozenset({*FILLER_WORDS, "uhm", "umm", "uhh", "erm", "er", "hmm", "hmmm",
                              "mm"})
# Phone-LM weight of the allphone search. The default (6.5) lets the phone bigram
# override the acoustics and drops most bilabials; 2.0 scored best on the dev speech
# (open/bilabial AUC 0.70 -> 0.77; 1.0 and 3.0 were worse).
ALLPHONE_LANGUAGE_WEIGHT = 2.0
_LOCK = threading.Lock()  # one decoder, used by one call at a time
_GUESSED: set[str] = set()  # words added to the decoders with G2P pronunciations


class AlignmentError(TalkRigError):
    """The transcript could not be aligned to the audio."""


@dataclass(frozen=True)
class WordSpan:
    """An aligned word: its dictionary spelling and start/end in seconds."""

    word: str
    start_s: float
    end_s: float


# Alignment beams, tried in order: PocketSphinx's defaults (1e-48) lose the only
# path through long utterances with long pauses; wider beams keep it at little cost.
# The widest is for noisy recordings: with white noise at 20 dB SNR a 26 s dev
# utterance found no path at 1e-200 but aligns at 1e-300 (0.8 s).
ALIGN_BEAMS = (1e-100, 1e-200, 1e-300)
# The filler grammar's search (optional "uh"/"um" after every word) loses its path on
# long audio: at 1e-100 it found none over 40-100 s of dev speech, after 1-6 s of
# searching, and those lines went without fillers. Wider beams find them up to about a
# minute, but on two 52 s concatenations of dev lines they cost open/bilabial AUC
# 0.011-0.037 (for r(0) +0.005 and +0.163), more than on the short dev clips (-0.004
# for +0.035). So audio over 30 s is aligned without the search (the same words,
# found sooner); shorter audio is searched at the alignment beams in turn.
FILLER_MAX_S = 30.0


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
    """16-bit little-endian samples for PocketSphinx.

    Quiet audio is raised first (:func:`talkrig.audio.raise_quiet`): at -60 dBFS the
    voice spans about 30 steps of 16 bits and the recogniser found 123 phones instead
    of 161 in the same sentence.
    """
    from talkrig.audio import raise_quiet

    return (np.clip(raise_quiet(audio), -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def _decode(decoder, pcm: bytes) -> None:
    # fresh feature state (noise and cepstral-mean estimates) for every utterance: they
    # carried over from the last one, so the same audio aligned differently depending
    # on what the process had decoded before (a batch line on which worker ran it)
    decoder.reinit_feat()
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
            _GUESSED.add(word)
            log.info("G2P pronunciation for %r: %s", word, " ".join(phones))
        usable.append(word)
    return usable


def align(audio: np.ndarray, text: str, fillers: bool = False) -> list[Phone]:
    """Force-align ``text`` to ``audio``.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    text : str
        Transcript (normalised here: punctuation, numbers, case).
    fillers : bool
        Let an "uh" or "um" stand before or after any word (see :func:`with_fillers`):
        for words a recogniser heard, which leaves hesitations out.

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

    return align_words(audio, normalise_words(text), fillers)[0]


def align_words(audio: np.ndarray, words: list[str], fillers: bool = False,
                filler_edges: bool = True) -> tuple[list[Phone], list[WordSpan]]:
    """Force-align normalised ``words`` to ``audio``: phones and the words' own times
    (with ``fillers``, hesitations found between the words are aligned too, and before
    the first and after the last unless ``filler_edges`` is False).

    Returns
    -------
    phones : list of Phone
        Phones with times, ``SIL`` for pauses.
    spans : list of WordSpan
        One per aligned word, in order, hesitations included (pauses and noises left out).

    Raises
    ------
    AlignmentError
        When no word is pronounceable or the decoder finds no alignment.
    """
    pcm = _pcm(audio)
    if fillers and len(audio) <= FILLER_MAX_S * SAMPLE_RATE:
        words = with_fillers(words, pcm, filler_edges)
    failure = "no beam width found a path"
    for beam in ALIGN_BEAMS:
        with _LOCK:
            decoder = _aligner(beam)
            usable = prepare_words(decoder, words)
            if not usable:
                raise AlignmentError("transcript has no words to align")
            try:
                phones, spans = _align_pass(decoder, usable, pcm)
            except RuntimeError as exc:
                failure = str(exc)
                continue
        if any(p.label != SILENCE for p in phones):
            return phones, spans
    raise AlignmentError(f"PocketSphinx found no alignment ({failure})")


def add_pronunciations(pronunciations: dict[str, list[str]]) -> None:
    """Teach the aligner words with the given ARPAbet pronunciations, for scripts the
    English dictionary and G2P cannot say, such as lines in other languages
    (``training.foreign_align``). The model has no schwa: ``AX`` is aligned as ``AH``
    (the aligned phones then say AH, as for hesitations). Words it already knows keep
    their pronunciation."""
    with _LOCK:
        for beam in ALIGN_BEAMS:
            decoder = _aligner(beam)
            new = {w: p for w, p in pronunciations.items() if decoder.lookup_word(w) is None}
            for k, (word, phones) in enumerate(new.items()):
                said = " ".join("AH" if phone == SCHWA else phone for phone in phones)
                # (rebuilding the search once, after the last word, not after every one)
                decoder.add_word(word, said, k == len(new) - 1)


def alignable_words(words: list[str]) -> list[str]:
    """``words`` that alignment can use: dictionary words and G2P-pronounced ones."""
    with _LOCK:
        return prepare_words(_aligner(ALIGN_BEAMS[0]), words)


def unknown_words(words: list[str]) -> list[str]:
    """``words`` missing from the English dictionary (G2P would guess them)."""
    with _LOCK:
        decoder = _aligner(ALIGN_BEAMS[0])
        # (words G2P pronounced for an earlier alignment are in the decoder since)
        return [word for word in words
                if word in _GUESSED or decoder.lookup_word(word) is None]


def words_that_fit(audio: np.ndarray, words: list[str]) -> int:
    """How many leading ``words`` the audio holds (0 for a pause or music): a grammar of
    the words in order, each optional together with all that follow it, decoded over
    ``audio``.

    For aligning long audio in windows (:mod:`talkrig.engines.phonetic.long_align`):
    offered more words than it holds, a window takes only those it can.

    Raises
    ------
    AlignmentError
        When no word is pronounceable or the search ends nowhere.
    """
    pcm = _pcm(audio)
    with _LOCK:
        # a wide beam (1e-200; 1e-300 fits the same words, more slowly): at 1e-100 the
        # grammar ended early, stretching the words it kept over later words' speech
        decoder = _aligner(ALIGN_BEAMS[1])
        usable = prepare_words(decoder, words)
        if not usable:
            raise AlignmentError("transcript has no words to align")
        rule = "".join("[ " + w + " " for w in usable) + "]" * len(usable)
        found = _grammar_words(decoder, PREFIX_SEARCH, rule, pcm)
    if found is None:
        raise AlignmentError("PocketSphinx found no path through the window")
    return len(found)


def with_fillers(words: list[str], pcm: bytes, edges: bool = True) -> list[str]:
    """``words`` with the hesitations the audio holds between them: a grammar of the
    words in order, each followed by an optional "uh" or "um" (and one before the
    first, unless not ``edges``), decoded over ``pcm`` (16-bit, see :func:`_pcm`; the
    words that cannot be pronounced are dropped, and all of them are returned unchanged
    when no beam's search reaches the last word)."""
    optional = "[ " + " | ".join(FILLER_WORDS) + " ]"
    for beam in ALIGN_BEAMS:  # noisy audio may need a wider beam, as alignment does
        with _LOCK:
            decoder = _aligner(beam)
            usable = prepare_words(decoder, words)
            if not usable:  # nothing to place fillers between (alignment says so)
                return words
            rule = _filler_rule(usable, optional, edges)
            found = _grammar_words(decoder, FILLER_SEARCH, rule, pcm) or []
        if without_fillers(found) == without_fillers(usable):
            return found
    return words


def _filler_rule(words: list[str], optional: str, edges: bool = True) -> str:
    """The JSGF rule of ``words`` in order with the ``optional`` filler slot between
    them and at both ends (between them only, unless ``edges``), except next to a
    hesitation the words already hold (Whisper writes them when asked,
    :mod:`talkrig.phones.hesitations`): one there would split it into "uh um"."""
    def hesitant(i: int) -> bool:
        return 0 <= i < len(words) and is_hesitation(words[i])

    parts = []
    for i in range(len(words) + 1):
        edge = i in (0, len(words))
        if not (hesitant(i - 1) or hesitant(i) or edge and not edges):
            parts.append(optional)
        parts += words[i:i + 1]
    return " ".join(parts)


def is_hesitation(word: str) -> bool:
    """Whether a dictionary word is one of ``HESITATION_WORDS`` ("uh(2)": a variant)."""
    return base_word(word) in HESITATION_WORDS


def base_word(word: str) -> str:
    """A dictionary word without its pronunciation variant ("and(2)" -> "and"), as
    aligned words (:class:`WordSpan`) name them."""
    return word.split("(")[0]


def without_fillers(words: list[str]) -> list[str]:
    """``words`` less the hesitations ``FILLER_WORDS``."""
    return [word for word in words if word not in FILLER_WORDS]


def _grammar_words(decoder, name: str, rule: str, pcm: bytes) -> list[str] | None:
    """The words of the best path through the one-rule JSGF grammar ``rule`` over ``pcm``
    (silences and noises left out); None when the search ends nowhere."""
    decoder.add_jsgf_string(name, f"#JSGF V1.0;\ngrammar {name};\npublic <words> = {rule} ;\n")
    decoder.activate_search(name)
    _decode(decoder, pcm)
    hyp = decoder.hyp()
    return None if hyp is None else [w for w in hyp.hypstr.split() if not _is_noise(w)]


def _is_noise(word: str) -> bool:
    """Silence (``<sil>``) and noise (``[NOISE]``) entries of a PocketSphinx result."""
    return word.startswith(("<", "["))


def _align_pass(decoder, words: list[str], pcm: bytes) -> tuple[list[Phone], list[WordSpan]]:
    decoder.set_align_text(" ".join(words))
    _decode(decoder, pcm)
    decoder.set_alignment()
    _decode(decoder, pcm)
    alignment = decoder.get_alignment()
    if alignment is None:
        return [], []
    phones = [Phone(normalise_label(p.name) or SILENCE, p.start * FRAME_S,
                    (p.start + p.duration) * FRAME_S) for p in alignment.phones()]
    spans = [WordSpan(w.name, w.start * FRAME_S, (w.start + w.duration) * FRAME_S)
             for w in alignment.words() if not _is_noise(w.name)]
    return schwa_in_hesitations(phones, spans), spans


def schwa_in_hesitations(phones: list[Phone], spans: list[WordSpan]) -> list[Phone]:
    """``phones`` with the AH of each hesitation word (``HESITATION_WORDS``) as schwa."""
    hesitations = [(s.start_s, s.end_s) for s in spans if is_hesitation(s.word)]
    return [replace(p, label=SCHWA) if p.label == "AH" and any(
        start <= (p.start_s + p.end_s) / 2 < end for start, end in hesitations) else p
        for p in phones]


CHUNK_S = 30.0  # long audio is recognised in pieces of about this length ...
CHUNK_SEARCH_S = 5.0  # ... cut at the quietest 100 ms within this distance of each mark


def chunk_bounds(audio: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges that cut long audio at its quietest moments near every CHUNK_S.

    Audio up to 1.5 x CHUNK_S is one range. Recognising pieces keeps PocketSphinx's
    memory bounded (one utterance of an hour would not fit) and gives progress.
    """
    from talkrig.phones.pieces import quiet_cuts

    return quiet_cuts(audio, CHUNK_S, CHUNK_SEARCH_S, 1.5 * CHUNK_S)


def recognise(audio: np.ndarray, progress=None) -> list[Phone]:
    """Recognise phones in ``audio`` (allphone search), long audio in pieces.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    progress : callable, optional
        Called with the fraction of the audio recognised, 0..1.

    Returns
    -------
    list of Phone
        Recognised phones with times; noise and silence as ``SIL``.
    """
    phones: list[Phone] = []
    for lo, hi in chunk_bounds(audio):
        phones += [p.shifted(lo / SAMPLE_RATE) for p in _recognise_piece(audio[lo:hi])]
        if progress:
            progress(hi / len(audio))
    return phones


def _recognise_piece(audio: np.ndarray) -> list[Phone]:
    pcm = _pcm(audio)
    with _LOCK:
        decoder = _recogniser()
        _decode(decoder, pcm)
        segments = [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]
    return [Phone(normalise_label(word) or SILENCE, start * FRAME_S, (end + 1) * FRAME_S)
            for word, start, end in segments]
