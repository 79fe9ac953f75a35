"""Vocal tract length perturbation (VTLP) of the log-mel front end, for training only.

Jaitly & Hinton (2013) made recognisers robust to new speakers by reading every training
utterance through a mel filterbank whose frequency axis is stretched by a random factor
alpha per utterance: a formant at F Hz lands in the bands around alpha x F, as a shorter
(alpha > 1) or longer (alpha < 1) vocal tract would put it. The timing of every sound,
and so the training target, is unchanged. The log-mel network's corpus has five flite
voices (four of them male); real speakers' formants spread far wider.

Here the warp is a per-clip filterbank swapped into ``LogMel`` for one training forward
pass (:func:`warped_front_end`); the exported graph keeps the plain filterbank.
"""

from __future__ import annotations

import contextlib

import numpy as np

from talkrig.model.dims import SAMPLE_RATE, ModelDims
from talkrig.model.melspec import mel_filters

WARP_BOUNDARY_HZ = 4800.0  # below it frequencies scale by alpha; above, a line to Nyquist
NYQUIST_HZ = SAMPLE_RATE / 2  # the warp keeps 0 and Nyquist where they are


def warp_frequencies(freqs: np.ndarray, alpha: float, floor_hz: float = 0.0) -> np.ndarray:
    """Jaitly & Hinton's piecewise-linear warp of ``freqs`` (Hz), shape kept.

    ``floor + alpha * (f - floor)`` from ``floor_hz`` up to a knee at
    ``floor + (WARP_BOUNDARY_HZ - floor) * min(alpha, 1) / alpha``, then the straight line
    from there to Nyquist; frequencies under ``floor_hz`` stay where they are. So the
    warped axis still covers floor .. Nyquist once, and nothing under the filterbank's
    lowest edge (hum, a recording's drift) is stretched into its bands.
    """
    freqs = np.asarray(freqs, np.float64)
    knee = floor_hz + (WARP_BOUNDARY_HZ - floor_hz) * min(alpha, 1.0) / alpha
    at_knee = floor_hz + alpha * (knee - floor_hz)
    upper = NYQUIST_HZ - (NYQUIST_HZ - at_knee) / (NYQUIST_HZ - knee) * (NYQUIST_HZ - freqs)
    scaled = floor_hz + alpha * (freqs - floor_hz)
    return np.where(freqs <= floor_hz, freqs, np.where(freqs <= knee, scaled, upper))


def warped_filters(dims: ModelDims, alpha: float) -> np.ndarray:
    """Mel filters reading DFT bin ``f`` as frequency ``warp(f)`` (warped above the lowest
    band edge ``dims.f_min``): shape (n_mels, n_fft // 2 + 1).

    Energy at ``F`` Hz then weighs most in the band centred near ``alpha * F``.
    """
    bins = np.linspace(0, NYQUIST_HZ, dims.n_fft // 2 + 1)
    return mel_filters(dims.n_fft, dims.n_mels, dims.f_min, dims.f_max,
                       freqs=warp_frequencies(bins, alpha, dims.f_min))


def random_alphas(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    """``n`` warp factors, log-uniform in [low, high] (as likely to shorten as to lengthen
    by the same ratio): shape (n,)."""
    return np.exp(rng.uniform(np.log(low), np.log(high), n))


@contextlib.contextmanager
def warped_front_end(net, alphas: np.ndarray):
    """Within the block, ``net``'s log-mel reads batch item ``i`` with factor ``alphas[i]``.

    ``net`` is a ``TalkRigNet`` with the log-mel front end; ``alphas`` has shape (B,), one
    factor per row of the audio batch the block feeds it. The plain filterbank is put
    back on leaving, also after an error.
    """
    import torch

    logmel = net.audio.logmel
    plain = logmel.filters
    factors, row_factor = np.unique(alphas, return_inverse=True)  # a clip's rows share one
    built = np.stack([warped_filters(net.dims, float(a)) for a in factors])
    stack = built[row_factor.reshape(-1)]  # (B, n_mels, bins)
    logmel.filters = torch.from_numpy(stack).to(plain.device)
    try:
        yield
    finally:
        logmel.filters = plain
