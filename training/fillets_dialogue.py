"""Recorded dialogue in Czech and Dutch, with its lines, from Debian's Fish Fillets NG.

The game's spoken dialogue (``fillets-ng-data-cs``: about 100 minutes, ``-nl``: about 90,
22.05 kHz Ogg Vorbis; GPL-2) is read by actors, two of them (the two fish) speaking most
lines; ``fillets-ng-data`` holds each level's lines in ``script/<level>/dialogs_<lang>.lua``.
This prepares one language as a folder of transcribed recordings for
``build_corpus --recordings``::

    python -m training.fillets_dialogue --language cs --out out/fillets-cs

``wav/<level>_<line>.wav`` (float WAV at the game's rate, by talkrig.ffmpeg; the corpus
builder resamples), ``lab/<level>_<line>.lab``
(the line as the game shows it), ``LICENSE`` (the packages' copyright file) and
``sources.json`` (package versions, licence and the ``language``, which tells
``build_corpus`` to align the lines with :mod:`training.foreign_align`). Needs
``apt-get`` (Debian), ``dpkg-deb`` and ffmpeg.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from training.debian_packages import prepare_folder, write_recording

LANGUAGES = ("cs", "nl")  # the two languages the game's voices were recorded in
DATA_PACKAGE = "fillets-ng-data"  # the lines, in every language
GAME_DIR = "usr/share/games/fillets-ng"
COPYRIGHT = "usr/share/doc/{package}/copyright"
MAX_LINE_S = 60.0  # the longest line lasts 30.1 s
# dialogId("line id", "font", "English line")  then  dialogStr("translated line")
DIALOG_LINE = re.compile(r'dialogId\("([^"]+)"[^\n]*\n\s*dialogStr\("((?:[^"\\]|\\.)*)"\)')


def packages(language: str) -> tuple[str, ...]:
    """The Debian packages holding ``language``'s lines and voices."""
    return DATA_PACKAGE, f"fillets-ng-data-{language}"


def read_lines(script: Path) -> dict[str, str]:
    """{line id: text} of a level's ``dialogs_<lang>.lua`` (escapes undone)."""
    source = script.read_text("utf-8", errors="replace")
    return {line_id: re.sub(r"\\(.)", r"\1", text)
            for line_id, text in DIALOG_LINE.findall(source)}


def prepare(root: Path, language: str, out: Path) -> int:
    """Write ``out``/wav and ``out``/lab for ``language`` from the unpacked packages;
    returns how many lines were written (lines without a recording, recordings
    without words in their line and empty recordings are skipped)."""
    game = root / GAME_DIR
    written = 0
    for script in sorted((game / "script").glob(f"*/dialogs_{language}.lua")):
        level = script.parent.name
        for line_id, text in sorted(read_lines(script).items()):
            voice = game / "sound" / level / language / f"{line_id}.ogg"
            if not voice.exists() or not re.search(r"\w", text):
                continue
            # (one Dutch recording is empty: write_recording leaves it out)
            written += write_recording(out, f"{level}_{line_id}", voice, " ".join(text.split()),
                                       MAX_LINE_S)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--language", choices=LANGUAGES, required=True,
                        help="the dialogue's language")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder to write (wav/, lab/, LICENSE, sources.json)")
    parser.add_argument("--debs", type=Path, default=None,
                        help="folder holding the .deb files (default: apt-get download them)")
    args = parser.parse_args(argv)

    wanted = packages(args.language)
    return prepare_folder(wanted, args.debs, args.out,
                          lambda root: prepare(root, args.language, args.out),
                          COPYRIGHT.format(package=wanted[1]),
                          {"licence": "GPL-2", "language": args.language},
                          "training.fillets_dialogue")


if __name__ == "__main__":
    raise SystemExit(main())
