"""Phone label normalisation: ARPAbet (CMU / TIMIT), IPA and SAMPA -> ARPAbet.

Every phone source (PocketSphinx, TextGrid tiers from MFA or Praat, TIMIT ``.phn``)
spells phones its own way; the rest of TalkRig sees one spelling: the 39 CMU
ARPAbet phones without stress digits, TIMIT's ``AX`` for schwa, and ``SIL`` for
silence and non-speech.
"""

from __future__ import annotations

import functools
import re
import unicodedata

SILENCE = "SIL"

# Schwa, the mid-central vowel of hesitations ("uh", "um") and of TIMIT's ``ax``, IPA
# ``ə`` and SAMPA ``@``. The CMU dictionary has no schwa (it spells reduced vowels AH0),
# so aligned words never hold it; the aligner gives it to the vowel of a hesitation.
SCHWA = "AX"

# The 39 CMU dictionary phones (what PocketSphinx's en-us model uses), and schwa.
ARPABET: frozenset[str] = frozenset("""
AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH
UH UW V W Y Z ZH""".split()) | {SCHWA}

# Silence and non-speech marks of aligners, recognisers and corpora.
SILENCE_LABELS: frozenset[str] = frozenset({
    "", "sil", "sp", "spn", "<sil>", "<s>", "</s>", "+nsn+", "+spn+", "+breath+",
    "+cough+", "+noise+", "+laugh+", "+um+", "+uh+", "nsn", "h#", "pau", "epi", "#",
    "<unk>", "unk", "_", "noise", "breath", "laugh", "lg", "ns", "br"})

# TIMIT's extra symbols and closures, mapped onto the CMU set (closures are the
# silent hold of a stop: the lips/tongue are already in the stop's position).
TIMIT: dict[str, str] = {
    "pcl": "P", "bcl": "B", "tcl": "T", "dcl": "D", "kcl": "K", "gcl": "G",
    "ax": SCHWA, "ax-h": SCHWA, "ix": "IH", "ux": "UW", "axr": "ER", "dx": "D",
    "nx": "N", "hv": "HH", "en": "N", "em": "M", "el": "L", "eng": "NG", "q": SILENCE}

# IPA base symbols (diacritics removed first). Longest match wins.
IPA: dict[str, str] = {
    "p": "P", "b": "B", "m": "M", "f": "F", "v": "V", "θ": "TH", "ð": "DH",
    "t": "T", "d": "D", "n": "N", "s": "S", "z": "Z", "l": "L", "ɫ": "L", "ɾ": "D",
    "ɹ": "R", "r": "R", "ɻ": "R", "ʃ": "SH", "ʒ": "ZH", "tʃ": "CH", "dʒ": "JH", "j": "Y",
    "k": "K", "ɡ": "G", "g": "G", "ŋ": "NG", "h": "HH", "ɦ": "HH", "w": "W", "ʍ": "W",
    "ʔ": SILENCE, "c": "K", "ɟ": "G", "ç": "HH", "ʎ": "L", "ɲ": "N", "x": "K",
    "ʋ": "V", "ɱ": "M", "ts": "T", "dz": "D",
    "i": "IY", "ɪ": "IH", "e": "EY", "ɛ": "EH", "æ": "AE", "a": "AA", "ɑ": "AA",
    "ɒ": "AA", "ɔ": "AO", "o": "OW", "ʊ": "UH", "u": "UW", "ʉ": "UW", "ʌ": "AH",
    "ə": SCHWA, "ɐ": "AH", "ɚ": "ER", "ɝ": "ER", "ɜ": "ER", "ɨ": "IH", "ᵻ": "IH", "y": "UW",
    "ø": "OW", "œ": "EH", "ɯ": "UW", "ɤ": "AH", "ɵ": "UH", "ɣ": "G",
    "aɪ": "AY", "aj": "AY", "ɑɪ": "AY", "aʊ": "AW", "aw": "AW", "ɑʊ": "AW",
    "eɪ": "EY", "ej": "EY", "oʊ": "OW", "ow": "OW", "əʊ": "OW", "əw": "OW",
    "ɔɪ": "OY", "ɔj": "OY", "ɪə": "IH", "ɛə": "EH", "ʊə": "UH", "ɜɹ": "ER",
    # Dutch diphthongs (espeak-ng's "ij", "ou", "ui"): spread, opening-rounding, rounded
    "ɛɪ": "EY", "ɛi": "EY", "ʌʊ": "AW", "ʌu": "AW", "œy": "OY"}

# X-SAMPA / SAMPA symbols that differ from the IPA table's ASCII members.
SAMPA: dict[str, str] = {
    "T": "TH", "D": "DH", "S": "SH", "Z": "ZH", "tS": "CH", "dZ": "JH", "N": "NG",
    "r\\": "R", "4": "D", "I": "IH", "E": "EH", "{": "AE", "A": "AA", "Q": "AA",
    "O": "AO", "U": "UH", "V": "AH", "@": SCHWA, "3": "ER", "3`": "ER", "@`": "ER",
    "aI": "AY", "aU": "AW", "eI": "EY", "oU": "OW", "@U": "OW", "OI": "OY", "i:": "IY",
    "u:": "UW", "A:": "AA", "O:": "AO", "3:": "ER", "I@": "IH", "e@": "EH", "U@": "UH",
    "?": SILENCE, "h\\": "HH", "j": "Y", "l": "L", "w": "W", "g": "G"}

# Combining marks and modifier letters that do not change the viseme.
_DIACRITICS = re.compile("[\u02b0-\u02ff\u0300-\u036f\u1dc0-\u1dff\u02d0\u02d1ˈˌ]")
_STRESS = re.compile(r"[012]$")


@functools.lru_cache(maxsize=4096)
def normalise_label(label: str) -> str | None:
    """ARPAbet (no stress) for a phone label in ARPAbet, TIMIT, IPA or SAMPA.

    Returns
    -------
    str or None
        An ARPAbet phone, ``"SIL"`` for silence and non-speech marks, or None when the
        label is not a phone this table knows.
    """
    raw = label.strip()
    if raw.lower() in SILENCE_LABELS:
        return SILENCE
    upper = _STRESS.sub("", raw.upper())
    if upper in ARPABET and (raw.isupper() or raw.islower() and len(raw) > 1
                             or raw[-1:].isdigit()):
        return upper
    if raw.lower() in TIMIT:
        return TIMIT[raw.lower()]
    if raw in SAMPA:
        return SAMPA[raw]
    return _ipa(raw)


def _ipa(raw: str) -> str | None:
    text = unicodedata.normalize("NFD", raw)
    text = _DIACRITICS.sub("", text).replace("ː", "")
    text = unicodedata.normalize("NFC", text)
    if text in IPA:
        return IPA[text]
    if raw.upper() in ARPABET:  # single-letter ARPAbet in lower case (p, b, m...)
        return raw.upper()
    # a sequence such as "tʃʰ" or "ai": take its first known prefix
    for size in (2, 1):
        if text[:size] in IPA:
            return IPA[text[:size]]
    return None


def strip_stress(label: str) -> str:
    """``"AH0"`` -> ``"AH"``; other labels unchanged (upper-cased)."""
    return _STRESS.sub("", label.strip().upper())
