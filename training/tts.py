"""Synthetic speech with exact phone timings from Debian's flite.

``flite -psdur`` prints every segment with its end time; the segment labels are CMU
ARPAbet in lower case (plus ``ax`` for schwa and ``pau`` for silence). Each voice is a
different synthesis method and speaker: ``kal``/``kal16`` diphones of a recorded male
speaker, ``awb``/``rms``/``slt`` clustergen (statistical parametric) voices trained on
recordings of three people. Rate and pitch are varied per utterance.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SAMPLE_RATE = 16_000
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
SILENCE = "SIL"  # label used for pauses in phone lists
_FLITE_TO_ARPABET = {"ax": "AH", "pau": SILENCE, "h#": SILENCE}


@dataclass(frozen=True)
class Voicing:
    """How one utterance is spoken."""

    voice: str  # one of FLITE_VOICES
    stretch: float  # duration_stretch: >1 slower, <1 faster
    f0_mean: float  # target mean pitch in Hz (diphone voices)
    f0_shift: float  # pitch multiplier (clustergen voices)


def arpabet(label: str) -> str:
    """flite segment label -> ARPAbet without stress (``ax`` -> ``AH``, ``pau`` -> SIL)."""
    return _FLITE_TO_ARPABET.get(label, label.upper())


def parse_psdur(text: str) -> list[tuple[str, float, float]]:
    """``pau:0.164 hh:0.255 ...`` -> [(label, start_s, end_s), ...]."""
    phones, start = [], 0.0
    for token in text.split():
        if ":" not in token:
            continue
        label, end = token.rsplit(":", 1)
        end_s = float(end)
        if end_s > start:
            phones.append((arpabet(label), start, end_s))
        start = end_s
    return phones


def synthesize(text: str, voicing: Voicing) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """Speak ``text``.

    Returns
    -------
    audio : np.ndarray, shape (N,), float32
        16 kHz mono.
    phones : list of (label, start_s, end_s)
        ARPAbet phones without stress, covering the whole clip.
    """
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        cmd = ["flite", "-voice", voicing.voice, "-psdur",
               "--setf", f"duration_stretch={voicing.stretch:.3f}",
               "--setf", f"int_f0_target_mean={voicing.f0_mean:.1f}",
               "--setf", f"f0_shift={voicing.f0_shift:.3f}",
               "-t", text, "-o", str(wav)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60)
        audio, rate = sf.read(wav, dtype="float32")
    if rate != SAMPLE_RATE:
        audio = resample_poly(audio, SAMPLE_RATE, rate).astype(np.float32)
    return audio, parse_psdur(done.stdout)


def aligned_clip(audio: np.ndarray, rate: int, text: str) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """A neural voice's output as a corpus clip: ``audio`` (N,) at ``rate`` Hz resampled
    to 16 kHz and scaled to peak 0.9, and the phones of ``text`` force-aligned to it.

    Returns
    -------
    audio : np.ndarray, shape (M,), float32
        16 kHz mono, peak 0.9.
    phones : list of (label, start_s, end_s)
        ARPAbet phones without stress covering the clip (``SIL`` for pauses).

    Raises
    ------
    AlignmentError
        When the aligner finds no path (the clip is then skipped).
    """
    from talkrig.phones import sphinx

    audio = resample_poly(audio, SAMPLE_RATE, rate).astype(np.float32)
    audio *= 0.9 / max(float(np.abs(audio).max()), 1e-6)
    return audio, [(p.label, p.start_s, p.end_s) for p in sphinx.align(audio, text)]
