"""Grapheme-to-phoneme for words missing from the pronunciation dictionary.

Offline and dependency-free, in three steps, first that succeeds wins:

1. morphology by analogy: a dictionary stem plus a regular suffix
   (``aligner`` = ``align`` + ``-er``; ``zooming`` = ``zoom`` + ``-ing``);
2. compounds: the word split into two or three dictionary words
   (``crosswordy`` -> ``crossword`` + ``y``);
3. letter-to-sound rules: longest-match grapheme chunks with context rules
   (soft c/g, magic e, final y, silent final e).

The dictionary is the CMU dictionary shipped in the PocketSphinx wheel.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

VOWELS = set("aeiouy")
# suffix -> phones appended to the stem's pronunciation (stem spelled as given)
SUFFIXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (suffix, stem ending to restore, phones)
    ("'s", "", ("Z",)), ("s", "", ("Z",)), ("es", "", ("IH", "Z")),
    ("ed", "", ("D",)), ("ed", "e", ("D",)), ("ing", "", ("IH", "NG")),
    ("ing", "e", ("IH", "NG")), ("er", "", ("ER",)), ("er", "e", ("ER",)),
    ("ers", "", ("ER", "Z")), ("est", "", ("AH", "S", "T")), ("ly", "", ("L", "IY")),
    ("ness", "", ("N", "AH", "S")), ("less", "", ("L", "AH", "S")),
    ("ful", "", ("F", "AH", "L")), ("able", "", ("AH", "B", "AH", "L")),
    ("ment", "", ("M", "AH", "N", "T")), ("y", "", ("IY",)), ("ie", "", ("IY",)),
    ("ish", "", ("IH", "SH")), ("ism", "", ("IH", "Z", "AH", "M")),
)
PREFIXES = {"un": ("AH", "N"), "re": ("R", "IY"), "pre": ("P", "R", "IY"),
            "dis": ("D", "IH", "S"), "mis": ("M", "IH", "S"), "non": ("N", "AA", "N"),
            "over": ("OW", "V", "ER"), "out": ("AW", "T"), "sub": ("S", "AH", "B")}
MIN_PART = 3  # shortest dictionary word accepted as a compound part

# letter-to-sound chunks, longest first at each position
CHUNKS: dict[str, tuple[str, ...]] = {
    "tion": ("SH", "AH", "N"), "sion": ("ZH", "AH", "N"), "ture": ("CH", "ER"),
    "eigh": ("EY",), "ough": ("AO",), "augh": ("AO",), "igh": ("AY",), "tch": ("CH",),
    "dge": ("JH",), "sch": ("S", "K"), "ch": ("CH",), "sh": ("SH",), "th": ("TH",),
    "ph": ("F",), "wh": ("W",), "ck": ("K",), "ng": ("NG",), "qu": ("K", "W"),
    "gh": (), "kn": ("N",), "wr": ("R",), "mb": ("M",),
    "ee": ("IY",), "ea": ("IY",), "ie": ("IY",), "ei": ("EY",), "oo": ("UW",),
    "ou": ("AW",), "ow": ("OW",), "oi": ("OY",), "oy": ("OY",), "ai": ("EY",),
    "ay": ("EY",), "au": ("AO",), "aw": ("AO",), "ew": ("UW",), "ue": ("UW",),
    "oa": ("OW",), "ey": ("IY",),
    "ar": ("AA", "R"), "or": ("AO", "R"), "er": ("ER",), "ir": ("ER",), "ur": ("ER",),
    "x": ("K", "S"), "j": ("JH",), "y": ("Y",), "w": ("W",), "h": ("HH",), "q": ("K",),
    "b": ("B",), "d": ("D",), "f": ("F",), "k": ("K",), "l": ("L",), "m": ("M",),
    "n": ("N",), "p": ("P",), "r": ("R",), "s": ("S",), "t": ("T",), "v": ("V",),
    "z": ("Z",),
}
SHORT_VOWEL = {"a": "AE", "e": "EH", "i": "IH", "o": "AA", "u": "AH", "y": "IH"}
LONG_VOWEL = {"a": "EY", "e": "IY", "i": "AY", "o": "OW", "u": "UW", "y": "AY"}


@functools.lru_cache(maxsize=1)
def cmu_dictionary() -> dict[str, tuple[str, ...]]:
    """word -> phones (no stress), first pronunciation, from PocketSphinx's CMU dictionary."""
    from pocketsphinx import get_model_path

    path = Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"
    table: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            word, _, phones = line.strip().partition(" ")
            if word and "(" not in word:
                table[word] = tuple(re.sub(r"\d", "", p) for p in phones.split())
    return table


def pronounce(word: str, dictionary: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """ARPAbet phones (no stress) for ``word``: the dictionary's, else guessed."""
    table = cmu_dictionary() if dictionary is None else dictionary
    word = word.lower()
    if word in table:
        return table[word]
    letters = re.sub(r"[^a-z']", "", word)
    if not letters.strip("'"):
        return ()
    return (_by_suffix(letters, table) or _by_prefix(letters, table)
            or _by_compound(letters, table) or letters_to_sound(letters.replace("'", "")))


def _by_suffix(word: str, table) -> tuple[str, ...] | None:
    for suffix, restore, phones in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_PART:
            stem = word[: -len(suffix)] + restore
            if stem in table:
                return table[stem] + phones
            if stem[-1:] == stem[-2:-1] and stem[:-1] in table:  # doubled consonant: running
                return table[stem[:-1]] + phones
    return None


def _by_prefix(word: str, table) -> tuple[str, ...] | None:
    for prefix, phones in PREFIXES.items():
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= MIN_PART:
            tail = table.get(rest) or _by_suffix(rest, table)
            if tail:
                return phones + tail
    return None


def _by_compound(word: str, table) -> tuple[str, ...] | None:
    best = None
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        if head in table:
            rest = table.get(tail) or _by_suffix(tail, table)
            if rest and (best is None or cut > best[0]):
                best = (cut, table[head] + rest)
    return None if best is None else best[1]


def letters_to_sound(word: str) -> tuple[str, ...]:
    """Rule-based phones for a lower-case word (the last resort)."""
    phones: list[str] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        nxt = word[i + 1: i + 2]
        if ch in "aeiou" or (ch == "y" and i > 0):
            step, vowel = _vowel(word, i)
            phones.extend(vowel)
            i += step
            continue
        if ch == "c":
            phones.append("S" if nxt and nxt in "eiy" else "K")
            i += 2 if nxt == "c" else 1
            continue
        if ch == "g" and word[i + 1: i + 3] != "gh":
            phones.append("JH" if nxt and nxt in "eiy" and i + 2 < n else "G")
            i += 2 if nxt == "g" else 1
            continue
        for size in (4, 3, 2, 1):
            chunk = word[i: i + size]
            if len(chunk) == size and chunk in CHUNKS:
                if chunk[0] not in "aeiou" or size > 1:
                    phones.extend(CHUNKS[chunk])
                    i += size
                    # a doubled consonant is one sound
                    if size == 1 and word[i: i + 1] == ch:
                        i += 1
                    break
        else:
            i += 1
    return tuple(phones)


def _vowel(word: str, i: int) -> tuple[int, tuple[str, ...]]:
    """(letters consumed, phones) for the vowel at ``i``."""
    for size in (4, 3, 2):
        chunk = word[i: i + size]
        if len(chunk) == size and chunk in CHUNKS and chunk[0] in VOWELS:
            return size, CHUNKS[chunk]
    ch, n = word[i], len(word)
    if ch == "e" and i == n - 1 and i > 0:  # silent final e
        return 1, ()
    if ch == "y" and i == n - 1:
        return 1, ("IY",) if n > 2 else ("AY",)
    # magic e: vowel + one consonant + final e (make, time, note)
    if i + 2 == n - 1 and word[-1] == "e" and word[i + 1] not in VOWELS:
        return 1, (LONG_VOWEL[ch],)
    if i == n - 1 and ch in "aiou":
        return 1, {"a": ("AH",), "i": ("IY",), "o": ("OW",), "u": ("UW",)}[ch]
    return 1, (SHORT_VOWEL[ch],)
