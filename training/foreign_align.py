"""Phones of recorded lines in other languages, aligned by the English aligner.

The phonetic engine's aligner (PocketSphinx's en-us model, :mod:`talkrig.phones.sphinx`)
knows English words only. For a line in another language, espeak-ng says how it is
pronounced (IPA, phone by phone), each IPA phone becomes its nearest ARPAbet phone
(:func:`talkrig.phones.labels.normalise_label`: the table the phone-tier readers use),
and the English acoustic model places those phones in the recording. The phones are
only as English as the table makes them (Czech ř is R, Dutch y is UW), which is what the
curves need: where the lips close, round and open.
"""

from __future__ import annotations

import subprocess

import numpy as np

from talkrig.phones.labels import SILENCE, normalise_label

# ISO 639-1 codes, each also the name of its espeak-ng voice (languages tried here)
LANGUAGES = ("cs", "nl", "sv", "de", "fr", "it", "ru")
PHONE_SEPARATOR = "_"  # espeak-ng --sep: between the phones of a word
MAX_PHONE_S = 0.6  # an aligned phone (not a pause) longer than this means a line misread
# PocketSphinx gives a phone at least 3 frames (30 ms). Lines forced onto audio that does
# not say them crowd their phones at that minimum: a silent Swedish dev clip aligned to
# its words put 81 % of them there; real Czech lines put a median of 15 % (at most 54 %
# of 42 sampled), a fast Swedish line 26 %.
SHORTEST_PHONE_S = 0.035
MAX_SHORTEST_SHARE = 0.6


def pronounce(text: str, language: str) -> list[list[str]]:
    """ARPAbet phones of each word of ``text`` as espeak-ng says it in ``language``
    (its words, which may join a clitic to the next word: Czech "v nejkrásnějším").

    Raises
    ------
    ValueError
        For a language not in ``LANGUAGES``.
    subprocess.CalledProcessError
        When espeak-ng fails.
    """
    if language not in LANGUAGES:
        raise ValueError(f"no espeak-ng voice chosen for language {language!r}")
    done = subprocess.run(["espeak-ng", "-q", "--ipa", f"--sep={PHONE_SEPARATOR}",
                           "-v", language, text],
                          capture_output=True, text=True, check=True)
    words = []
    for token in done.stdout.split():
        phones = [normalise_label(ipa) for ipa in token.split(PHONE_SEPARATOR) if ipa]
        phones = [p for p in phones if p and p != SILENCE]
        if phones:
            words.append(phones)
    return words


def word_name(language: str, phones: list[str]) -> str:
    """The aligner's dictionary entry for a pronunciation (``cs_p_r_ow_ch``): one entry
    per distinct pronunciation, never an English word."""
    return f"{language}_" + "_".join(phones).lower()


def align_line(samples: np.ndarray, text: str, language: str) -> list[tuple[str, float, float]]:
    """The phones of ``text`` (in ``language``) aligned to ``samples``.

    Parameters
    ----------
    samples : np.ndarray, shape (N,), float32, 16 kHz mono
    text : str
    language : str
        One of ``LANGUAGES``.

    Returns
    -------
    list of (label, start_s, end_s)
        ARPAbet phones with pauses as ``SIL``; empty when the line has no words, does
        not align, or aligns implausibly (a phone longer than ``MAX_PHONE_S``, or more
        than ``MAX_SHORTEST_SHARE`` of them at PocketSphinx's shortest duration).
    """
    from talkrig.phones import sphinx

    words = pronounce(text, language)
    if not words:
        return []
    names = [word_name(language, w) for w in words]
    sphinx.add_pronunciations(dict(zip(names, words)))
    try:
        phones, _ = sphinx.align_words(samples, names)
    except sphinx.AlignmentError:
        return []
    said = [p for w in words for p in w]
    placed = [(p.label, p.start_s, p.end_s) for p in phones]
    if not plausible(placed):
        return []
    return _with_schwas(placed, said)


def plausible(placed: list[tuple[str, float, float]]) -> bool:
    """Whether aligned phones look like the line was said: none (pauses aside) longer
    than ``MAX_PHONE_S``, at most ``MAX_SHORTEST_SHARE`` at the aligner's shortest."""
    lengths = np.array([end - start for label, start, end in placed if label != SILENCE])
    return (lengths.size > 0 and lengths.max() <= MAX_PHONE_S
            and np.mean(lengths < SHORTEST_PHONE_S) <= MAX_SHORTEST_SHARE)


def _with_schwas(placed: list[tuple[str, float, float]], said: list[str]):
    """``placed`` with the line's own labels on its phones (the schwas the aligner
    placed as AH, :func:`talkrig.phones.sphinx.add_pronunciations`), when the aligned
    phones are the line's phones in order."""
    spoken = [i for i, (label, _, _) in enumerate(placed) if label != SILENCE]
    if len(spoken) != len(said):
        return placed
    relabelled = list(placed)
    for i, label in zip(spoken, said):
        relabelled[i] = (label, *placed[i][1:])
    return relabelled
