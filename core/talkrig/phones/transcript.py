"""Transcripts: sidecar lookup and normalisation into dictionary-style words."""

from __future__ import annotations

import os
import re
from pathlib import Path

from talkrig.errors import TalkRigError

SIDECAR_EXTENSIONS = (".txt", ".lab")
SIDECAR_FOLDERS = (".", "lab", "../lab", "txt", "../txt", "transcripts", "../transcripts")

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


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


def number_words(number: int) -> list[str]:
    """English words for a non-negative integer below one million."""
    if number < 20:
        return [_ONES[number]]
    if number < 100:
        tens, ones = divmod(number, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return [_ONES[hundreds], "hundred"] + (number_words(rest) if rest else [])
    if number < 1_000_000:
        thousands, rest = divmod(number, 1000)
        return number_words(thousands) + ["thousand"] + (number_words(rest) if rest else [])
    return list(str(number))


def normalise_words(text: str) -> list[str]:
    """Lower-case words for alignment: punctuation dropped (apostrophes kept inside
    words), hyphens split, digits spelled out, bracketed noise marks removed."""
    text = re.sub(r"[\[<{(][^\]>})]*[\]>})]", " ", text.lower())
    words: list[str] = []
    for token in re.split(r"[\s\-–—/]+", text):
        token = re.sub(r"[^\w']", "", token).strip("'_")
        if not token:
            continue
        if token.isdigit():
            words.extend(number_words(int(token)) if len(token) <= 6 else list(token))
        else:
            for part in filter(None, re.split(r"(\d+)", token)):
                words.extend(number_words(int(part)) if part.isdigit() else [part])
    return words
