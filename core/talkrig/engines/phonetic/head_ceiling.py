"""A second opinion on the mouth for words heard: the neural-whisper head's lip aperture
as a ceiling on the phonetic engine's (engine 1.7).

Without a transcript the phonetic engine aligns the words Whisper hears, so where
Whisper mishears, or the aligner stretches a vowel over the /m/ of an "um", the mouth
opens on a closed sound. The neural-whisper head (:mod:`talkrig.engines.neural_whisper`)
reads the same speech from Whisper's encoder states, not from the words, and often
knows better there: at the "um" of cold_corpus3 (6.82 s) its aperture stays under 0.012
where the aligned phones open to 0.36. Whisper has already encoded every piece it
heard, so the head reads those encodings (:func:`talkrig.phones.whisper_words.hear`'s
``on_encoded``): no second encoder pass, about 0.03 s a minute for the head. The
engine's mouth may then open no wider than either opinion, the minimum of the two
apertures, with no parameter to tune (``curves_from_phones(aperture_ceiling=...)``).

The head is session 15's (``models/phonetic_ceiling_head.onnx``), the one engine 1.7 was
measured with: the ``neural-whisper`` engine's own head changed in session 17, and as a
ceiling here that one lowered dev r(0) from 0.721 to 0.694 (docs/phonetic.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkrig.model.dims import SAMPLE_RATE, WHISPER_FEATURE_FPS
from talkrig.runtime import packaged_model

HEAD_FPS = 60.0  # the head's frame rate


def ceiling_head_path() -> Path:
    """The head this ceiling runs (shipped in the package)."""
    return packaged_model("phonetic_ceiling_head.onnx")


class HeadCeiling:
    """Collects the head's lip aperture piece by piece, as Whisper encodes the pieces it
    hears; pass it as ``on_encoded`` to :func:`talkrig.phones.whisper_words.hear`."""

    def __init__(self):
        self.pieces: list[tuple[float, float, np.ndarray]] = []  # (start s, end s, (K,) at 60 fps)

    def __call__(self, lo: int, hi: int, states: np.ndarray) -> None:
        from talkrig.engines.neural_whisper import shared_head
        from talkrig.evaluation.metrics import aperture
        from talkrig.take import resample_frames

        n = int(np.ceil((hi - lo) / SAMPLE_RATE * HEAD_FPS))  # the piece, not its silent tail
        n = min(n, int(len(states) * HEAD_FPS / WHISPER_FEATURE_FPS))
        if n <= 0:
            return
        head = shared_head(str(ceiling_head_path()), "cpu")
        at_head_rate = resample_frames(states, WHISPER_FEATURE_FPS, HEAD_FPS, n)
        curves = head.curves(at_head_rate, np.zeros((n, 7), np.float32))
        self.pieces.append((lo / SAMPLE_RATE, hi / SAMPLE_RATE, aperture(curves)))

    def ceiling(self, n_frames: int, fps: float) -> np.ndarray | None:
        """The head's aperture at frames ``i / fps``, (n_frames,); NaN outside the pieces
        heard; None when nothing was heard."""
        if not self.pieces:
            return None
        t = np.arange(n_frames) / fps
        out = np.full(n_frames, np.nan, np.float32)
        for start, end, opening in self.pieces:
            inside = (t >= start) & (t < end)
            piece_t = start + np.arange(len(opening)) / HEAD_FPS
            out[inside] = np.interp(t[inside], piece_t, opening)
        return out
