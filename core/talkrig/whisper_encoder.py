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

from talkrig.model.dims import WHISPER_FEATURE_FPS, WHISPER_WIDTH

SAMPLE_RATE = 16_000
WINDOW_S = 30.0  # Whisper's fixed input
WINDOW_SAMPLES = int(WINDOW_S * SAMPLE_RATE)  # 480 000
MEL_FRAMES = 3000  # 10 ms hops in a window
STATE_SAMPLES = SAMPLE_RATE // WHISPER_FEATURE_FPS  # 320 samples = 20 ms per state
WINDOW_OVERLAP_S = 2.0  # audio two neighbouring windows share, cross-faded
STEP_SAMPLES = WINDOW_SAMPLES - int(WINDOW_OVERLAP_S * SAMPLE_RATE)  # 28 s
OVERLAP_STATES = int(WINDOW_OVERLAP_S * WHISPER_FEATURE_FPS)  # 100


def available() -> bool:
    """True when faster-whisper and the Whisper base packages are installed."""
    from talkrig.phones import whisper_words

    return whisper_words.available()


def encode_windows(pieces: list[np.ndarray]) -> np.ndarray:
    """Encoder states of up to 30 s pieces of 16 kHz audio, each zero-padded to 30 s.

    Returns
    -------
    np.ndarray, shape (len(pieces), 1500, 512), float32
    """
    import ctranslate2

    from talkrig.phones.whisper_words import _model

    model = _model()
    mels = np.zeros((len(pieces), 80, MEL_FRAMES), np.float32)
    for i, piece in enumerate(pieces):
        padded = np.zeros(WINDOW_SAMPLES, np.float32)
        padded[: len(piece)] = piece[:WINDOW_SAMPLES]
        mels[i] = model.feature_extractor(padded)[:, :MEL_FRAMES]
    states = model.model.encode(ctranslate2.StorageView.from_array(mels), to_cpu=True)
    return np.asarray(states, dtype=np.float32)


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
        states = encode_windows([audio[start: start + WINDOW_SAMPLES]])[0]
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


def states_at(states: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """``states`` (K, 512) at 50 per second, linearly interpolated to frames at
    ``t = j / fps``: shape (n_frames, 512), float32."""
    if len(states) == 0:
        return np.zeros((n_frames, states.shape[1] if states.ndim == 2 else WHISPER_WIDTH),
                        np.float32)
    pos = np.clip(np.arange(n_frames) * (WHISPER_FEATURE_FPS / fps), 0, len(states) - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, len(states) - 1)
    w = (pos - lo)[:, None].astype(np.float32)
    return states[lo] * (1.0 - w) + states[hi] * w
