"""Finding evaluation utterances: audio files with phone annotations (and transcripts).

A folder qualifies when it holds audio and, for each utterance, a ``.TextGrid`` with a
phone tier or a TIMIT ``.phn`` with the same stem, either beside the audio or in a
sibling folder (MFA corpora keep ``wav/``, ``lab/`` and ``textgrid/`` side by side).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from talkrig.errors import TalkRigError
from talkrig.phones import Phone

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".opus")
ANNOTATION_EXTENSIONS = (".TextGrid", ".textgrid", ".phn", ".PHN")
TRANSCRIPT_EXTENSIONS = (".lab", ".txt", ".TXT")


@dataclass(frozen=True)
class Utterance:
    """One evaluation item."""

    name: str
    audio: Path
    phones: tuple[Phone, ...]
    transcript: str | None


def _index(root: Path, extensions) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix in extensions or path.suffix.lower() in extensions:
            found.setdefault(path.stem, path)
    return found


def find_utterances(folder: str | os.PathLike) -> list[Utterance]:
    """Utterances under ``folder`` that have audio and a readable phone annotation.

    Annotations without a phone tier (word-only TextGrids) are skipped; so are
    utterances whose phones are not English (no ARPAbet phones survive).

    Raises
    ------
    TalkRigError
        If the folder is missing or holds no annotated audio.
    """
    from talkrig.phones.readers import read_phones
    from talkrig.phones.transcript import read_transcript

    root = Path(folder)
    if not root.is_dir():
        raise TalkRigError("evaluation folder does not exist", root)
    audio = _index(root, AUDIO_EXTENSIONS)
    notes = _index(root, ANNOTATION_EXTENSIONS)
    texts = _index(root, TRANSCRIPT_EXTENSIONS)
    items = []
    for stem, note in notes.items():
        if stem not in audio:
            continue
        try:
            phones = read_phones(note)
        except TalkRigError:
            continue
        if sum(p.label != "SIL" for p in phones) < 3:
            continue
        text = read_transcript(texts[stem]) if stem in texts else None
        items.append(Utterance(stem, audio[stem], tuple(phones), text))
    if not items:
        raise TalkRigError("no audio with phone annotations (.TextGrid phone tier or .phn) "
                           "found", root)
    return items
