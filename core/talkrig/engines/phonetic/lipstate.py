"""Acoustic lip-state posteriors for recognition mode: how vowel-like, how closed.

PocketSphinx's allphone search misplaces or misses many phones (about 1 in 4 reference
bilabials found on the dev speech), so in recognition mode the mouth's opening also
listens to the audio directly. A small multinomial logistic model reads, every 10 ms,
the log energies of 8 bands (0-8 kHz) relative to the recording's loud level and to
the frame's own total, the total level and its depth below the local (+-150 ms) peak,
at 7 context offsets (+-80 ms), plus the recognised phone class of the frame, and
gives P(bilabial), P(vowel), P(other consonant), P(silence).

The jaw/lip-opening channels are then scaled by ``(lo + (hi - lo) P(vowel)) *
(1 - P(bilabial))`` (``rigs/lipstate.json``: ``gain``): vowels the recogniser missed
open wider, probable closures open less. The hard closure and rest rules apply after.

The weights are fitted by :mod:`talkrig.engines.phonetic.fit_lipstate` on real speech
that is *not* the dev set (see ``rigs/VISEMES.md``), so the dev evaluation stays
out of sample.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from talkrig.phones import Phone, labels_at

SAMPLE_RATE = 16_000
HOP = 160  # 10 ms
BAND_EDGES_HZ = (0, 300, 600, 1000, 1500, 2200, 3000, 4500, 8000)
CONTEXT_OFFSETS = (-8, -4, -2, 0, 2, 4, 8)  # frames (10 ms) around each frame
PEAK_REACH = 15  # local peak over +-150 ms
NOISE_PERCENTILE, LOUD_PERCENTILE = 20, 95
CLASSES = ("bilabial", "vowel", "consonant", "silence")
BILABIALS = frozenset({"P", "B", "M"})
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AX", "AY", "EH", "ER", "EY", "IH",
                    "IY", "OW", "OY", "UH", "UW"})
MODEL_SCHEMA = "talkrig.lipstate/1"


def phone_class_index(label: str) -> int:
    """Row of ``CLASSES`` for an ARPAbet label."""
    if label in BILABIALS:
        return 0
    if label in VOWELS:
        return 1
    return 3 if label == "SIL" else 2


def band_levels(audio: np.ndarray) -> np.ndarray:
    """Log energies (dB) of the ``BAND_EDGES_HZ`` bands every 10 ms, shape (M, 8)."""
    from talkrig.features import band_power, fft_freqs

    band = np.searchsorted(BAND_EDGES_HZ, fft_freqs(), side="right") - 1
    band = np.clip(band, 0, len(BAND_EDGES_HZ) - 2)
    masks = np.eye(len(BAND_EDGES_HZ) - 1)[band]  # (257, 8) one-hot bin -> band
    return 10.0 * np.log10(band_power(audio, HOP, masks) + 1e-10)


def frame_features(audio: np.ndarray, phones: Sequence[Phone]) -> np.ndarray:
    """Model inputs every 10 ms.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32, 16 kHz
    phones : sequence of Phone
        Recognised phones (their class is one input).

    Returns
    -------
    np.ndarray, shape (M, 18 * 7 + 4), float64
    """
    from talkrig.engines.phonetic.acoustic import local_max

    levels = band_levels(audio)
    total = 10.0 * np.log10((10.0 ** (levels / 10.0)).sum(1))
    noise, loud = np.percentile(total, [NOISE_PERCENTILE, LOUD_PERCENTILE])
    span = max(loud - noise, 1.0)
    rel_total = (total - loud) / span
    peak = local_max(rel_total, PEAK_REACH)
    base = np.concatenate([(levels - loud) / span, (levels - total[:, None]) / span,
                           rel_total[:, None], (rel_total - peak)[:, None]], 1)
    m = len(base)
    stacked = [base[np.clip(np.arange(m) + o, 0, m - 1)] for o in CONTEXT_OFFSETS]
    return np.concatenate(stacked + [np.eye(len(CLASSES))[frame_labels(phones, m)]], 1)


def frame_labels(phones: Sequence[Phone], n: int) -> np.ndarray:
    """``CLASSES`` index of the phone at each 10 ms frame (silence where none), shape (n,)."""
    return labels_at(phones, np.arange(n) * HOP / SAMPLE_RATE, phone_class_index,
                     CLASSES.index("silence"))


@dataclass(frozen=True, eq=False)
class LipStateModel:
    """Standardisation and softmax weights; ``gain`` = (lo, hi) of the vowel gain;
    ``vowel_floor`` = lip aperture kept open at P(vowel) = 1."""

    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    weights: np.ndarray  # (F + 1, K), last row = bias
    gain: tuple[float, float]
    vowel_floor: float = 0.0

    def posteriors(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (M, len(CLASSES)), rows sum to 1."""
        z = (features - self.mean) / self.scale
        logits = z @ self.weights[:-1] + self.weights[-1]
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(1, keepdims=True)

    def to_json(self, description: str) -> dict:
        return {"schema": MODEL_SCHEMA, "description": description, "classes": list(CLASSES),
                "band_edges_hz": list(BAND_EDGES_HZ), "context_offsets": list(CONTEXT_OFFSETS),
                "gain": list(self.gain), "vowel_floor": self.vowel_floor,
                "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "weights": self.weights.round(6).tolist()}


@functools.lru_cache(maxsize=1)
def shipped_model() -> LipStateModel:
    """The model in ``rigs/lipstate.json``."""
    from talkrig.engines.phonetic.tables import _load

    doc = _load("lipstate.json", MODEL_SCHEMA)
    return model_from_json(doc)


def model_from_json(doc: dict) -> LipStateModel:
    """A :class:`LipStateModel` from its JSON document (:meth:`LipStateModel.to_json`)."""
    return LipStateModel(np.array(doc["mean"]), np.array(doc["scale"]),
                         np.array(doc["weights"]), tuple(doc["gain"]),
                         float(doc.get("vowel_floor", 0.0)))


def aperture_gain(audio: np.ndarray, phones: Sequence[Phone], n_frames: int, fps: float,
                  model: LipStateModel | None = None) -> np.ndarray:
    """Per-frame gain for the jaw/lip-opening channels, shape (n_frames,), float32.

    ``(lo + (hi - lo) P(vowel)) * (1 - P(bilabial))`` at each output frame.
    """
    return lip_state_controls(audio, phones, n_frames, fps, model)[0]


def lip_state_controls(audio: np.ndarray, phones: Sequence[Phone], n_frames: int, fps: float,
                       model: LipStateModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Opening gain and vowel floor at each output frame.

    Returns
    -------
    gain : np.ndarray, shape (n_frames,), float32
        ``(lo + (hi - lo) P(vowel)) * (1 - P(bilabial))``, for the jaw/lip-opening channels.
    floor : np.ndarray, shape (n_frames,), float32
        ``vowel_floor * P(vowel)``: the least lip aperture (jaw opening) to keep. A vowel
        is never spoken with sealed lips, so where the audio sounds like one the mouth
        must not be fully shut, whatever the recogniser said (a missed vowel labelled
        silence, a closure rule fired by a weak schwa). In true silence P(vowel) is a
        few per cent, so the floor there is a few thousandths: rest stays rest.
    """
    model = model or shipped_model()
    p = model.posteriors(frame_features(audio, phones))
    lo, hi = model.gain
    gain = (lo + (hi - lo) * p[:, 1]) * (1.0 - p[:, 0])
    floor = model.vowel_floor * p[:, 1]
    t = np.arange(n_frames) / fps
    frame_t = np.arange(len(gain)) * HOP / SAMPLE_RATE
    return (np.interp(t, frame_t, gain).astype(np.float32),
            np.interp(t, frame_t, floor).astype(np.float32))
