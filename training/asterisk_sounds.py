"""Real recordings of a person, with their scripts, from a Debian package.

Asterisk's core English prompts (``asterisk-core-sounds-en-g722``, recorded by the voice
actor Allison Smith, CC BY-SA 3.0): 568 prompts, about 25 minutes of one US English
voice, each with its script in the companion package's ``core-sounds-en.txt``. This
prepares them as a folder of transcribed recordings for ``build_corpus --recordings``::

    python -m training.asterisk_sounds --out out/asterisk-en

``wav/<name>.wav`` (16 kHz mono, decoded from G.722 by talkrig.ffmpeg), ``lab/<name>.lab`` (the
script made speakable: bracketed notes such as "[ascending tones]" dropped, "*" and "#"
read as the keys' names), ``LICENSE`` (the package's copyright file) and ``sources.json``
(package versions). Prompts whose script has no words left are skipped. Needs
``apt-get`` (Debian) and ffmpeg; the packages are fetched with ``apt-get download``
unless ``--debs`` names a folder that already holds them.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

from training.debian_packages import prepare_folder, write_recording

PACKAGES = ("asterisk-core-sounds-en-g722", "asterisk-core-sounds-en")  # audio, scripts
SOUNDS_DIR = "usr/share/asterisk/sounds/en_US_f_Allison"
SCRIPTS = "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
COPYRIGHT = "usr/share/doc/asterisk-core-sounds-en-g722/copyright"
MAX_PROMPT_S = 600.0  # the longest prompt is 73 s
KEY_NAMES = {"*": " star ", "#": " pound "}  # how the prompts read the phone keys
BRACKETED = re.compile(r"\[[^\]]*\]")


def speakable(script: str) -> str:
    """The words a prompt's script says: notes in brackets dropped, keys named."""
    text = BRACKETED.sub(" ", script)
    for key, name in KEY_NAMES.items():
        text = text.replace(key, name)
    return " ".join(text.split())


def read_scripts(path: Path) -> dict[str, str]:
    """{prompt path without extension ("digits/1"): its script} from core-sounds-en.txt."""
    scripts = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as lines:
        for line in lines:
            name, sep, script = line.partition(":")
            if sep and not line.startswith(";") and name.strip():
                scripts[name.strip()] = script.strip()
    return scripts


def prepare(root: Path, out: Path) -> int:
    """Write ``out``/wav and ``out``/lab from the unpacked packages; returns the count."""
    scripts = read_scripts(root / SCRIPTS)
    sounds = root / SOUNDS_DIR
    written = 0
    for g722 in sorted(sounds.rglob("*.g722")):  # ffmpeg reads G.722 by its suffix
        name = g722.relative_to(sounds).with_suffix("").as_posix()
        text = speakable(scripts.get(name, ""))
        if not re.search(r"[A-Za-z0-9]", text):
            print(f"skip {name}: no words in its script", file=sys.stderr)
            continue
        written += write_recording(out, name.replace("/", "_"), g722, text, MAX_PROMPT_S)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("out/asterisk-en"),
                        help="folder to write (wav/, lab/, LICENSE, sources.json)")
    parser.add_argument("--debs", type=Path, default=None,
                        help="folder holding the .deb files (default: apt-get download them)")
    args = parser.parse_args(argv)

    return prepare_folder(PACKAGES, args.debs, args.out, lambda root: prepare(root, args.out),
                          COPYRIGHT, {"licence": "CC-BY-SA-3.0", "voice": "Allison Smith"},
                          "training.asterisk_sounds")


if __name__ == "__main__":
    raise SystemExit(main())
