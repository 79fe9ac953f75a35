"""Atomic file output: write to a temp file beside the target, then rename.

Nothing half-written is ever left at the destination, and an existing file is
only replaced when the caller allows it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from talkrig.errors import OutputExistsError, TalkRigError


def check_writable(path: str | os.PathLike, force: bool = False) -> Path:
    """Validate an output path before any work is done.

    Raises
    ------
    TalkRigError
        If the folder is missing or read-only; :class:`OutputExistsError` if the file
        exists and ``force`` is False.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TalkRigError("output folder does not exist", folder)
    if not os.access(folder, os.W_OK):
        raise TalkRigError("output folder is not writable", folder)
    if path.is_dir():
        raise TalkRigError("output path is a folder, not a file", path)
    if path.exists() and not force:
        raise OutputExistsError(path)
    return path


def _output_mode(path: Path) -> int:
    """Permission bits for a new output: the replaced file's, else 0o666 minus the umask."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", force: bool = False,
                **open_kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = check_writable(path, force=force)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise TalkRigError(f"cannot write here ({exc.strerror})", path) from None
    try:
        # mkstemp makes the file private (0600); the output gets the permissions a plain
        # open() would give it (or keeps those of the file it replaces)
        os.chmod(tmp, _output_mode(path))
        with os.fdopen(fd, mode, **open_kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists() and not force:  # appeared while we worked
            raise OutputExistsError(path)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise TalkRigError(f"cannot write output ({exc.strerror or exc})", path) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
