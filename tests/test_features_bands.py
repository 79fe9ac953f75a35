"""The band power of the STFT: one band from its own DFT rows equals the full FFT's."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.features import band_power, fft_freqs, one_band_power

RELATIVE_TOLERANCE = 1e-4  # float32 DFT rows vs numpy's float64 FFT (measured: 1e-5)


@pytest.mark.parametrize("hop, band, seconds", [
    (80, (1000.0, 3500.0), 5.0),   # the closure gate: 5 ms hop, a frame spans 5 rows
    (320, (1000.0, 3500.0), 5.0),  # the pieces' level: 20 ms hop, a frame spans 2 rows
    (77, (300.0, 900.0), 1.0),     # a hop that does not divide the window
    (80, (1000.0, 3500.0), 0.005)])  # shorter than one window
def test_one_band_power_is_the_ffts_band_sum(hop, band, seconds):
    audio = load_audio(dev_file("acoustic_corpus.wav")).samples[8000: 8000 + int(seconds * 16000)]
    freqs = fft_freqs()
    mask = ((freqs >= band[0]) & (freqs <= band[1]))[:, None]
    want = band_power(audio, hop, mask)[:, 0]
    got = one_band_power(audio, hop, band)
    assert got.shape == want.shape == (1 + len(audio) // hop,)
    np.testing.assert_allclose(got, want, rtol=RELATIVE_TOLERANCE, atol=1e-9 * want.max())
