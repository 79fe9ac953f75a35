"""Fetch and unpack Debian packages that ship training data (recorded speech).

Used by :mod:`training.asterisk_sounds` and :mod:`training.fillets_dialogue`: the
packages are fetched with ``apt-get download`` (unless a folder already holds them) and
extracted with ``dpkg-deb -x``; the versions go into the prepared folder's
``sources.json``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def fetch(packages: tuple[str, ...], debs: Path) -> None:
    """``apt-get download`` ``packages`` into the folder ``debs``."""
    subprocess.run(["apt-get", "download", *packages], cwd=debs, check=True)


def unpack(packages: tuple[str, ...], debs: Path, root: Path) -> dict[str, str]:
    """Extract each of ``packages`` (its newest ``.deb`` in ``debs``) under ``root``.

    Returns
    -------
    dict
        {package: version}.

    Raises
    ------
    SystemExit
        When ``debs`` lacks one of the packages.
    """
    versions = {}
    for package in packages:
        found = sorted(debs.glob(f"{package}_*.deb"))
        if not found:
            raise SystemExit(f"{debs}: no {package}_*.deb (fetch it, or leave out --debs)")
        subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(root)], check=True)
        versions[package] = found[-1].name.split("_")[1]
    return versions


def fetched_or_given(packages: tuple[str, ...], given: Path | None, tmp: Path) -> Path:
    """The folder holding the packages' ``.deb`` files: ``given``, or a new folder under
    ``tmp`` they are fetched into."""
    if given is not None:
        return given
    debs = tmp / "debs"
    debs.mkdir()
    fetch(packages, debs)
    return debs


def write_recording(out: Path, stem: str, source: Path, text: str, max_s: float) -> bool:
    """Decode ``source`` (any format ffmpeg reads, at most ``max_s`` seconds) to
    ``out/wav/STEM.wav`` and write ``text`` to ``out/lab/STEM.lab``; False, with nothing
    left behind, when the recording holds no samples."""
    import soundfile as sf

    from talkrig.ffmpeg import decode_to_wav

    (out / "wav").mkdir(parents=True, exist_ok=True)
    (out / "lab").mkdir(exist_ok=True)
    wav = out / "wav" / f"{stem}.wav"
    decode_to_wav(source, wav, max_s)
    if sf.info(wav).frames == 0:
        wav.unlink()
        return False
    (out / "lab" / f"{stem}.lab").write_text(text + "\n", "utf-8")
    return True


def prepare_folder(packages: tuple[str, ...], given: Path | None, out: Path, prepare,
                   copyright_file: str, about: dict, program: str) -> int:
    """Make ``out`` a folder of transcribed recordings from Debian packages.

    The packages (fetched, or the ``.deb`` files in ``given``) are unpacked in a temporary
    folder; ``prepare(root)`` writes ``out``'s ``wav/`` and ``lab/`` from the unpacked
    tree and returns how many recordings it wrote; the package's ``copyright_file``
    becomes ``out/LICENSE`` and ``out/sources.json`` records the package versions, the
    count and ``about`` (licence, language...).

    Returns
    -------
    int
        The exit status: 1 (reported on one line) when apt-get, dpkg-deb or ffmpeg is
        missing or fails.
    """
    import json
    import sys
    import tempfile

    from talkrig.errors import TalkRigError

    with tempfile.TemporaryDirectory() as tmp:
        try:
            root = Path(tmp) / "root"
            versions = unpack(packages, fetched_or_given(packages, given, Path(tmp)), root)
            count = prepare(root)
            (out / "LICENSE").write_bytes((root / copyright_file).read_bytes())
        except (OSError, subprocess.CalledProcessError, TalkRigError) as exc:
            print(f"{program}: {exc}", file=sys.stderr)
            return 1
    (out / "sources.json").write_text(json.dumps(
        {"packages": versions, "recordings": count, **about}, indent=1) + "\n", "utf-8")
    print(f"wrote {count} recordings to {out}")
    return 0
