"""Transcripts: sidecar lookup and normalisation into dictionary-style words."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from talkrig.errors import TalkRigError

SIDECAR_EXTENSIONS = (".txt", ".lab")
SIDECAR_FOLDERS = (".", "lab", "../lab", "txt", "../txt", "transcripts", "../transcripts")

# Typographic apostrophes and primes, as in "don’t": the dictionary spells them "'"
APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u02bc\u2032\u0060\u00b4"})
SYMBOL_WORDS = {"%": " percent ", "&": " and ", "+": " plus ", "@": " at "}
ABBREVIATIONS = {"dr": ["doctor"], "mr": ["mister"], "mrs": ["missus"], "vs": ["versus"],
                 "etc": ["et", "cetera"], "pm": ["p", "m"]}  # read as said, not spelled


def read_transcript(path: str | os.PathLike) -> str:
    """The text of a transcript file, whitespace collapsed.

    Raises
    ------
    TalkRigError
        If the file cannot be read or is empty.
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError as exc:
        raise TalkRigError(f"cannot read transcript ({exc.strerror})", path) from exc
    text = " ".join(text.split())
    if not text:
        raise TalkRigError("transcript is empty", path)
    return text


# A transcript given as one token ending like this is a file name passed for the words
TRANSCRIPT_FILE_SUFFIXES = (*SIDECAR_EXTENSIONS, ".textgrid", ".srt", ".vtt", ".csv")


def looks_like_file_name(text: str) -> bool:
    """True when ``text``, given as a transcript, is one token that names a file: a name
    ending in ``TRANSCRIPT_FILE_SUFFIXES`` ("lines/001.txt"), or a path to a file."""
    token = text.strip()
    if not token or len(token.split()) != 1:
        return False
    if token.lower().endswith(TRANSCRIPT_FILE_SUFFIXES):
        return True
    return any(sep in token for sep in "/\\") and Path(token).is_file()


def find_sidecar(audio_path: str | os.PathLike) -> Path | None:
    """A ``.txt``/``.lab`` transcript with the audio's stem, beside it or in a
    ``lab``/``txt``/``transcripts`` folder next to it; None when there is none."""
    audio_path = Path(audio_path)
    for folder in SIDECAR_FOLDERS:
        for ext in SIDECAR_EXTENSIONS:
            candidate = (audio_path.parent / folder / audio_path.stem).with_suffix(ext)
            if candidate.is_file() and candidate.resolve() != audio_path.resolve():
                return candidate
    return None


def normalise_words(text: str) -> list[str]:
    """Lower-case words for alignment.

    Punctuation is dropped (apostrophes kept inside words, typographic ones made
    plain), accents are stripped ("café" -> "cafe", as the dictionary spells it),
    hyphens and slashes split words, bracketed noise marks are removed, and numbers
    become the words said for them (:mod:`talkrig.phones.numbers`: years, times,
    decimals, ordinals; "%" is "percent").
    """
    from talkrig.phones.numbers import cardinal, number_token

    text = _strip_accents(text.translate(APOSTROPHES)).lower()
    text = re.sub(r"[\[<{(][^\]>})]*[\]>})]", " ", text)
    for symbol, word in SYMBOL_WORDS.items():
        text = text.replace(symbol, word)
    words: list[str] = []
    for token in re.split(r"[\s\-–—/]+", text):
        token = token.strip(".,;:!?\"'_()")
        spoken = number_token(token)
        if spoken is not None:
            words.extend(spoken)
            continue
        token = re.sub(r"[^\w']", "", token).strip("'_")
        for part in filter(None, re.split(r"(\d+)", token)):
            words.extend(cardinal(int(part)) if part.isdigit() else
                         ABBREVIATIONS.get(part, [part]))
    return words


def _strip_accents(text: str) -> str:
    """Letters without their combining marks (NFKD decomposition)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def excerpt(text: str, limit: int = 60) -> str:
    """``text`` cut to its first ``limit`` characters, with "..." when cut, for messages."""
    return text if len(text) <= limit else text[:limit].rstrip() + "..."


def word_edits(said: list[str], heard: list[str]) -> int:
    """Words to insert, delete or substitute to turn ``said`` into ``heard``."""
    row = list(range(len(heard) + 1))  # edits from said[:i] to each heard[:j]
    for i, word in enumerate(said, 1):
        diagonal, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != other))
    return row[-1]


def word_mismatch(said: list[str], heard: list[str]) -> float:
    """:func:`word_edits` over the longer list's length: 0 (the same words) .. 1 (none
    shared in order); 0 when both are empty."""
    return word_edits(said, heard) / max(len(said), len(heard), 1)
