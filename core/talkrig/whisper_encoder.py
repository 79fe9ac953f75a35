"""The states of Whisper base's encoder for audio of any length (numpy, no torch).

The same model the phonetic engine hears words with (:mod:`talkrig.phones.whisper_words`,
``asr`` extra), run by CTranslate2 with int8 weights. Whisper's encoder reads a fixed
30 s window of 80-band log-mel (shorter audio is padded with silence, as Whisper pads
it) and returns 1500 states of 512 values, one per 20 ms. Its states depend on the
whole window, so the same speech read in another window gives other states. Longer
audio is read in windows that overlap by ``WINDOW_OVERLAP_S``, and the states of two
windows are cross-faded over their overlap: no jump where one window hands over to
the next.
"""

from __future__ import annotations

import numpy as np

from talkrig.model.dims import SAMPLE_RATE, WHISPER_FEATURE_FPS, WHISPER_WIDTH

WINDOW_S = 30.0  # Whisper's fixed input
WINDOW_SAMPLES = int(WINDOW_S * SAMPLE_RATE)  # 480 000
STATE_SAMPLES = SAMPLE_RATE // WHISPER_FEATURE_FPS  # 320 samples = 20 ms per state
WINDOW_OVERLAP_S = 2.0  # audio two neighbouring windows share, cross-faded
STEP_SAMPLES = WINDOW_SAMPLES - int(WINDOW_OVERLAP_S * SAMPLE_RATE)  # 28 s
OVERLAP_STATES = int(WINDOW_OVERLAP_S * WHISPER_FEATURE_FPS)  # 100


def encode_window(piece: np.ndarray) -> np.ndarray:
    """Encoder states of a piece of at most 30 s of 16 kHz audio, zero-padded to 30 s as
    Whisper pads it: shape (1500, 512), float32."""
    from talkrig.phones.whisper_words import encode

    return np.asarray(encode(piece, WINDOW_SAMPLES), dtype=np.float32)[0]


def encoder_states(audio: np.ndarray, progress=None) -> np.ndarray:
    """States of ``audio`` (N,) at 16 kHz, one per 20 ms: shape (ceil(N / 320), 512).

    State k describes the audio around ``k * 20 ms``.
    """
    n_states = -(-len(audio) // STATE_SAMPLES)
    total = np.zeros((n_states, WHISPER_WIDTH), np.float32)
    weight = np.zeros(n_states, np.float32)
    starts = list(range(0, max(len(audio) - int(WINDOW_OVERLAP_S * SAMPLE_RATE), 1),
                        STEP_SAMPLES))
    for number, start in enumerate(starts):
        states = encode_window(audio[start: start + WINDOW_SAMPLES])
        first = start // STATE_SAMPLES
        keep = min(len(states), n_states - first)
        w = _fade(len(states), fade_in=number > 0, fade_out=number < len(starts) - 1)[:keep]
        total[first: first + keep] += states[:keep] * w[:, None]
        weight[first: first + keep] += w
        if progress:
            progress((number + 1) / len(starts))
    return total / np.maximum(weight, 1e-6)[:, None]


def _fade(n: int, fade_in: bool, fade_out: bool) -> np.ndarray:
    """Weights (n,) of a window's states: 1, ramping over ``OVERLAP_STATES`` at the edges
    it shares with a neighbour (the two ramps of an overlap sum to 1)."""
    w = np.ones(n, np.float32)
    ramp = (np.arange(OVERLAP_STATES, dtype=np.float32) + 0.5) / OVERLAP_STATES
    if fade_in:
        w[:OVERLAP_STATES] = ramp
    if fade_out:
        w[-OVERLAP_STATES:] = ramp[::-1]
    return w
