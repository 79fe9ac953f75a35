"""Take file formats, chosen by file extension.

==================  =========================================================
``.take.json``       versioned JSON, everything a Take holds (:mod:`.take_json`)
``.npz``             NumPy arrays + JSON metadata (:mod:`.npz`)
``.csv``             Live Link Face CSV for ARKit takes (:mod:`.livelink_csv`);
                     per-frame control CSV for other rigs
``.controls.csv``    per-frame control CSV, one column per channel (:mod:`.control_csv`)
==================  =========================================================

Every writer is atomic and refuses to replace an existing file unless ``force``.
"""

from __future__ import annotations

import os
from pathlib import Path

from talkrig.errors import TalkRigError
from talkrig.take import Take

SUFFIXES = (".take.json", ".json", ".npz", ".controls.csv", ".csv")


def format_of(path: str | os.PathLike) -> str:
    """The format name for ``path``: "json", "npz", "controls" or "csv"."""
    name = Path(path).name.lower()
    if name.endswith(".controls.csv"):
        return "controls"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".npz"):
        return "npz"
    if name.endswith(".csv"):
        return "csv"
    raise TalkRigError("unknown take format: use .take.json, .npz, .csv (Live Link Face) "
                       "or .controls.csv", path)


def write_take(take: Take, path: str | os.PathLike, force: bool = False) -> Path:
    """Write ``take`` to ``path`` in the format its extension names."""
    fmt = format_of(path)
    if fmt == "json":
        from talkrig.formats.take_json import write_take_json as writer
    elif fmt == "npz":
        from talkrig.formats.npz import write_npz as writer
    elif fmt == "csv" and take.rig == "arkit52":
        from talkrig.formats.livelink_csv import write_livelink_csv as writer
    else:
        from talkrig.formats.control_csv import write_control_csv as writer
    writer(take, path, force=force)
    return Path(path)


def read_take(path: str | os.PathLike) -> Take:
    """Read a take from any supported format, validating it.

    Raises
    ------
    TalkRigError
        Missing file, unknown format, or content that does not make a valid take.
    """
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise TalkRigError("take file not found", path)
    try:
        return _read(path, fmt)
    except UnicodeDecodeError:
        raise TalkRigError("not a text file (a CSV or JSON take is UTF-8 text)", path) from None
    except OSError as exc:
        raise TalkRigError(f"cannot read the take: {exc.strerror or exc}", path) from None


def _read(path: Path, fmt: str) -> Take:
    if fmt == "json":
        from talkrig.formats.take_json import read_take_json
        return read_take_json(path)
    if fmt == "npz":
        from talkrig.formats.npz import read_npz
        return read_npz(path)
    from talkrig.formats.livelink_csv import is_livelink_csv, read_livelink_csv
    if fmt == "csv" and is_livelink_csv(path):
        return read_livelink_csv(path)
    from talkrig.formats.control_csv import read_control_csv
    return read_control_csv(path)
