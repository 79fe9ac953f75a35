"""Audio augmentation so a model trained on synthetic voices transfers to real ones.

Every function takes and returns 16 kHz mono float32 (shape (N,)) and draws its
randomness from a ``numpy.random.Generator``. ``random_chain`` applies a random
subset, recording what it did so the corpus manifest can count it.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, fftconvolve, lfilter, resample_poly, sosfilt

SAMPLE_RATE = 16_000


def add_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """White, pink or brown noise at 5-40 dB SNR."""
    noise = rng.standard_normal(len(x)).astype(np.float32)
    colour = rng.integers(3)
    if colour == 1:  # pink-ish: one-pole low-pass mix
        noise = lfilter([0.05], [1, -0.95], noise).astype(np.float32)
    elif colour == 2:  # brown: integrated
        noise = lfilter([0.02], [1, -0.995], noise).astype(np.float32)
    snr_db = rng.uniform(5, 40)
    power = np.mean(x ** 2) + 1e-9
    scale = np.sqrt(power / (np.mean(noise ** 2) + 1e-12) / 10 ** (snr_db / 10))
    return x + scale * noise


def add_reverb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Room reverb: exponentially decaying noise impulse response, RT60 0.1-0.9 s."""
    rt60 = rng.uniform(0.1, 0.9)
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)  # -60 dB at rt60
    ir[0] = 1.0 / rng.uniform(0.3, 1.0)  # direct path stronger than the tail
    ir /= np.sqrt(np.sum(ir ** 2))
    wet = fftconvolve(x, ir)[: len(x)].astype(np.float32)
    mix = rng.uniform(0.3, 1.0)
    return (1 - mix) * x + mix * wet


def random_eq(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two random shelf-like tilts: boost or cut lows and highs by up to 12 dB."""
    lo = butter(2, rng.uniform(150, 600), "low", fs=SAMPLE_RATE, output="sos")
    hi = butter(2, rng.uniform(2000, 6000), "high", fs=SAMPLE_RATE, output="sos")
    g_lo, g_hi = 10 ** (rng.uniform(-12, 12, size=2) / 20)
    return x + (g_lo - 1) * sosfilt(lo, x) + (g_hi - 1) * sosfilt(hi, x)


def band_limit(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Codec-like: telephone band-pass, low sample-rate round trip or 8-bit mu-law."""
    kind = rng.integers(3)
    if kind == 0:
        sos = butter(4, [rng.uniform(200, 400), rng.uniform(3000, 3800)], "band",
                     fs=SAMPLE_RATE, output="sos")
        return sosfilt(sos, x)
    if kind == 1:
        low_rate = int(rng.choice([8000, 11025, 12000]))
        return resample_poly(resample_poly(x, low_rate, SAMPLE_RATE), SAMPLE_RATE, low_rate)[
            : len(x)]
    mu = 255.0
    y = np.sign(x) * np.log1p(mu * np.minimum(np.abs(x), 1)) / np.log1p(mu)
    y = np.round(y * 127) / 127
    return np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu


def speed(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Resample-based speed + pitch change by 0.85-1.15x; returns (audio, time scale)."""
    factor = rng.uniform(0.85, 1.15)
    up, down = int(round(100 / factor)), 100
    return resample_poly(x, up, down).astype(np.float32), up / down


def gain(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Peak level between -30 and 0 dBFS (soft clipping beyond 1)."""
    peak = np.max(np.abs(x)) + 1e-9
    return np.tanh(x / peak * 10 ** (rng.uniform(-30, 0) / 20) * 1.2) / np.tanh(1.2)


def random_chain(x: np.ndarray, rng: np.random.Generator,
                 clean_fraction: float = 0.2) -> tuple[np.ndarray, float, list[str]]:
    """Apply a random subset of augmentations.

    Returns
    -------
    audio : np.ndarray, shape (M,), float32
    time_scale : float
        Multiply phone times by this (speed change stretches time).
    applied : list of str
        Names of the augmentations applied, in order.
    """
    applied, scale = [], 1.0
    if rng.random() < clean_fraction:
        return gain(x, rng).astype(np.float32), scale, ["gain"]
    if rng.random() < 0.4:
        x, scale = speed(x, rng)
        applied.append("speed")
    for name, fn, p in (("eq", random_eq, 0.6), ("reverb", add_reverb, 0.4),
                        ("band_limit", band_limit, 0.3), ("noise", add_noise, 0.6)):
        if rng.random() < p:
            x = fn(x, rng)
            applied.append(name)
    applied.append("gain")
    return gain(np.asarray(x, np.float32), rng).astype(np.float32), scale, applied


LPC_ORDER = 18  # all-pole vocal-tract model: 2 poles per kHz of the 8 kHz band, + 2
WHISPER_FRAME = 400  # 25 ms analysis frames
WHISPER_HOP = WHISPER_FRAME // 2  # 50 % overlap: sqrt-Hann windows, squared, sum to 1
PRE_EMPHASIS = 0.97  # flattens the voice's spectral tilt before the LPC fit
WHISPER_HIGH_PASS_HZ = 60.0  # drift and hum below the voice would take the LPC's poles


def whisper_voice(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same speech whispered: each 25 ms frame's spectral envelope (LPC, order 18)
    shapes white noise instead of the voice's glottal pulses, at the frame's level.

    Formants, and with them vowel identity and lip rounding, and all timing are kept;
    pitch and voicing are gone. Used by ``bench/noisy_speech.py``'s "whispered"
    condition (session 29: does a missing voice explain the rounding the log-mel
    networks lose on the heard set's whispered clips? On dev recordings, hardly).
    Returns shape (N,) float32 at the RMS of the input above 60 Hz.
    """
    from scipy.linalg import solve_toeplitz

    x = sosfilt(butter(2, WHISPER_HIGH_PASS_HZ, "highpass", fs=SAMPLE_RATE, output="sos"),
                np.asarray(x, np.float64))
    pre = lfilter([1.0, -PRE_EMPHASIS], [1.0], x)
    window = np.sqrt(np.hanning(WHISPER_FRAME + 1)[:-1])  # periodic sqrt-Hann
    padded = np.concatenate([pre, np.zeros(WHISPER_FRAME)])
    out = np.zeros_like(padded)
    for start in range(0, len(x), WHISPER_HOP):
        frame = padded[start: start + WHISPER_FRAME] * window
        r = np.correlate(frame, frame, "full")[WHISPER_FRAME - 1: WHISPER_FRAME + LPC_ORDER]
        if r[0] < 1e-10:
            continue
        r[0] *= 1.0 + 1e-6  # a little white-noise floor keeps the solve well conditioned
        a = solve_toeplitz(r[:LPC_ORDER], -r[1:])
        shaped = lfilter([1.0], np.concatenate([[1.0], a]), rng.standard_normal(WHISPER_FRAME))
        shaped *= window
        shaped *= np.sqrt(r[0] / (np.sum(shaped ** 2) + 1e-12))  # the frame's energy
        out[start: start + WHISPER_FRAME] += shaped * window
    out = lfilter([1.0], [1.0, -PRE_EMPHASIS], out[: len(x)])
    out *= np.sqrt(np.mean(x ** 2) / (np.mean(out ** 2) + 1e-12))
    return out.astype(np.float32)
