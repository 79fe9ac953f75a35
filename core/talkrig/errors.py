"""User-facing errors: one line naming the file and the problem, no traceback."""

from __future__ import annotations

import os


class TalkRigError(Exception):
    """A problem with the user's input or environment.

    The CLI prints ``talkrig: error: <path>: <problem>`` and exits non-zero;
    the Blender add-on and Unreal plugin show the same line in their UI.

    Parameters
    ----------
    problem : str
        What is wrong, in one line.
    path : str or os.PathLike, optional
        The file (or option) the problem is about.
    """

    def __init__(self, problem: str, path: str | os.PathLike | None = None):
        self.problem = " ".join(str(problem).split())
        self.path = None if path is None else os.fspath(path)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.path}: {self.problem}" if self.path else self.problem


class OutputExistsError(TalkRigError):
    """An output file exists and replacing it was not asked for.

    ``how_to_replace`` says how the caller's user allows it: the CLI's ``--force`` by
    default; a UI names its own option (the Blender add-on: its Overwrite checkbox).
    """

    def __init__(self, path: str | os.PathLike,
                 how_to_replace: str = "use --force to overwrite"):
        super().__init__(f"output file already exists ({how_to_replace})", path)
