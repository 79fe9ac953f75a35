"""Hesitations ("uh", "um") heard by a second, prompted Whisper reading (real model and speech)."""

from __future__ import annotations

import numpy as np

from conftest import dev_file
from talkrig.audio import load_audio
from talkrig.engines import get_engine
from talkrig.engines.base import EngineRequest, frame_count
from talkrig.evaluation import aperture
from talkrig.phones import sphinx, whisper_words
from talkrig.phones.hesitations import choose_words, insert_hesitations, word_key
from talkrig.phones.readers import read_phones
from talkrig.phones.transcript import normalise_words, read_transcript

FPS = 60.0
LAB = dev_file("cold_corpus.wav").parents[1] / "lab"
TEXTGRID = dev_file("cold_corpus.wav").parents[1] / "textgrid"


def _hesitations(text: str) -> list[str]:
    return [w for w in normalise_words(text) if w in sphinx.HESITATION_WORDS]


def test_the_prompted_readings_hesitations_go_between_the_plain_readings_words():
    plain = "So this is the sick corpus. I have a cold."
    prompted = "Uh, so this is the sick corpus, uh, I have a cold. Um."
    assert insert_hesitations(plain, prompted) == (
        "Uh, so this is the sick corpus. Uh, I have a cold. Um.")
    # a word the hesitation now comes before keeps a capital only where the prompted
    # reading wrote one ("I", names)
    assert insert_hesitations("Michael said so.", "Um, Michael said so.") == (
        "Um, Michael said so.")
    # capitalised where a sentence starts, lower case inside one
    assert insert_hesitations("I have a cold.", "I, Um, have a cold.") == "I um, have a cold."


def test_the_plain_readings_words_win_where_the_readings_differ():
    plain = "I have a cold so I apply some quite different"
    prompted = "I have a cold, so I, um, probably sound quite different"
    merged = insert_hesitations(plain, prompted)
    assert [word_key(t) for t in merged.split()] == [
        "i", "have", "a", "cold", "so", "i", "um", "apply", "some", "quite", "different"]


def test_where_the_readings_differ_the_more_probable_stretch_is_taken():
    plain = [("So", -1.1), ("I", -0.1), ("apply", -1.4), ("some", -0.6), ("quite", -0.1),
             ("Um,", -0.3), ("here", -0.2), ("are", -0.9), ("words.", -0.1)]
    prompted = [("so", -0.1), ("I", -0.1), ("um,", -0.2), ("probably", -0.5), ("sound", -0.4),
                ("quite", -0.1), ("here's", -0.6), ("words", -0.1), ("again.", -0.2)]
    # "probably sound" (mean -0.45) beats "apply some" (-1.0); "here are" (-0.55) beats
    # "here's" (-0.6); "again", which only the prompted reading has, is not taken;
    # the plain reading's own "Um," stays; hesitations are insert_hesitations' business
    assert choose_words(plain, prompted) == "So I probably sound quite Um, here are words."
    assert choose_words(plain, []) == " ".join(t for t, _ in plain)
    # a confident repeat of the line is not a reading of the same sounds
    assert choose_words([("Montreal", -0.04), ("Alainer", -0.72)],
                        [("Montreal", -0.05), ("Aligner.", -0.66), ("Montreal", -0.6),
                         ("Aligner.", -0.14)]) == "Montreal Alainer"
    assert choose_words([], prompted) == ""


def test_a_reading_without_hesitations_leaves_the_words_alone():
    plain = "Montreal Forest Aligner."
    assert insert_hesitations(plain, "Montreal forest aligner") == plain
    assert insert_hesitations(plain, "") == plain
    assert insert_hesitations("", "Um.") == "Um."


def test_the_filler_search_adds_none_beside_a_hesitation_the_words_hold():
    rule = sphinx._filler_rule(["so", "um", "this", "is"], "[ uh | um ]")
    assert rule == "[ uh | um ] so um this [ uh | um ] is [ uh | um ]"
    assert sphinx._filler_rule(["uh(2)"], "[ x ]") == "uh(2)"
    assert sphinx._filler_rule(["a", "b"], "[ x ]") == "[ x ] a [ x ] b [ x ]"


def test_a_piece_cut_inside_pauses_gets_fillers_only_between_its_words():
    assert sphinx._filler_rule(["a", "b", "c"], "[ x ]", edges=False) == "a [ x ] b [ x ] c"
    assert sphinx._filler_rule(["a"], "[ x ]", edges=False) == "a"


def test_whisper_hears_which_hesitation_each_one_is():
    # the hand transcripts' hesitations, in order; the plain reading writes none of them
    for name, said in (("cold_corpus", ["uh", "uh", "uh", "um", "uh"]),
                       ("acoustic_corpus", ["um", "uh", "um"])):
        assert _hesitations(read_transcript(LAB / f"{name}.lab")) == said
        audio = load_audio(dev_file(f"{name}.wav")).samples  # over 22 s: two pieces
        assert _hesitations(whisper_words.hear(audio, hesitations=False).text) == []
        heard = _hesitations(whisper_words.hear(audio).text)
        # all of cold_corpus's; acoustic_corpus's two "um" (its "uh" goes unheard), and
        # never one for the other
        assert heard == (said if name == "cold_corpus" else ["um", "um"])


def test_a_short_line_gets_its_hesitation_from_the_shared_encoding():
    audio = load_audio(dev_file("mfa_um.flac")).samples  # "Montreal forced, um, aligner"
    assert len(audio) <= whisper_words.SHORT_AUDIO_S * 16_000
    heard = whisper_words.hear(audio)
    assert _hesitations(heard.text) == ["um"] and normalise_words(heard.text)[0] == "montreal"


def test_the_m_of_a_heard_um_closes_the_mouth():
    audio = load_audio(dev_file("cold_corpus.wav")).samples
    um_m = [p for p in read_phones(TEXTGRID / "cold_corpus.TextGrid")
            if p.label == "M" and abs(p.start_s - 10.15) < 0.01][0]  # "um", 10.15-10.34 s
    n = frame_count(len(audio) / 16_000, FPS)
    engine = get_engine("phonetic")
    curves = engine.animate(EngineRequest(audio, FPS, np.zeros((n, 7), np.float32)))
    assert engine.last_mode == "heard"
    inside = aperture(curves)[int(np.ceil(um_m.start_s * FPS)):int(um_m.end_s * FPS) + 1]
    assert inside.max() <= 0.15  # 0.32 when the filler search took it for "uh"


def test_a_hesitation_both_readings_wrote_is_kept_once():
    assert insert_hesitations("Montreal forced um a liner.", "Montreal forced, um, a liner.") == (
        "Montreal forced um, a liner.")
    # one the prompted reading missed stays too
    assert insert_hesitations("uh so um yes", "So, um, yes") == "uh so um, yes"


def test_a_hesitation_only_the_prompted_reading_repeats_goes_in_once():
    assert insert_hesitations("different words. I think", "different words. Um, Um, I think") == (
        "different words. Um, I think")
    # a run both readings wrote stays a run, and different ones stay apart
    assert insert_hesitations("forced, um, um, um, aligner", "forced, um, um, um, aligner") == (
        "forced, um, um, um, aligner")
    assert insert_hesitations("so I think", "so, uh, um, I think") == "so uh, um, I think"
