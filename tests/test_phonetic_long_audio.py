"""Long audio: recognised in pieces cut at pauses, with progress, seamlessly."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from conftest import dev_file
from talkrig.phones.sphinx import CHUNK_S, SAMPLE_RATE, chunk_bounds, recognise


def test_long_audio_is_cut_inside_the_pauses():
    rng = np.random.default_rng(0)
    speech = lambda s: rng.normal(0, 0.2, int(s * SAMPLE_RATE)).astype(np.float32)
    pause = np.zeros(int(0.5 * SAMPLE_RATE), np.float32)
    pieces, pauses = [], []
    t = 0.0
    for seconds in (28.0, 31.0, 27.0, 33.0):
        pieces += [speech(seconds), pause]
        t += seconds
        pauses.append((t, t + 0.5))
        t += 0.5
    audio = np.concatenate(pieces)
    bounds = chunk_bounds(audio)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # contiguous
    for _, cut in bounds[:-1]:
        assert any(lo <= cut / SAMPLE_RATE <= hi for lo, hi in pauses), cut / SAMPLE_RATE


def test_short_audio_is_one_piece():
    assert chunk_bounds(np.zeros(int(1.5 * CHUNK_S * SAMPLE_RATE))) == \
        [(0, int(1.5 * CHUNK_S * SAMPLE_RATE))]


def test_recognising_a_long_recording_covers_it_in_order_with_progress():
    parts = [sf.read(str(dev_file(name)), dtype="float32")[0]
             for name in ("acoustic_corpus.wav", "cold_corpus.wav", "cold_corpus3.wav")]
    audio = np.concatenate(parts)
    seen = []
    phones = recognise(audio, progress=seen.append)
    assert len(chunk_bounds(audio)) >= 2
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 2
    starts = np.array([p.start_s for p in phones])
    assert np.all(np.diff(starts) >= 0)
    assert phones[-1].end_s > 0.95 * len(audio) / SAMPLE_RATE
    speech = [p for p in phones if p.label != "SIL"]
    assert len(speech) > 300  # about 77 s of continuous speech


def test_a_transcript_of_very_long_audio_falls_back_to_recognition_with_a_warning(monkeypatch):
    import pytest
    from talkrig.engines.phonetic import engine

    monkeypatch.setattr(engine, "ALIGN_MAX_S", 1.0)  # stands in for 10 minutes
    audio = sf.read(str(dev_file("mfa_patty.flac")), dtype="float32")[0]
    with pytest.warns(RuntimeWarning, match="not force-aligned"):
        phones, mode = engine.phones_for(audio, "patty")
    assert mode == "recognised" and phones
