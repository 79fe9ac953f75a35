"""Operator helpers: user mistakes become one-line reports, progress bars close."""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

from talkrig.errors import TalkRigError

USER_ERRORS = (TalkRigError, FileNotFoundError, PermissionError, IsADirectoryError)


def run_reported(operator, action: Callable[[], str]) -> set[str]:
    """Run ``action``; report its summary as INFO, or a user error as ERROR.

    ``action`` returns a one-line summary. A :class:`TalkRigError` (or a missing /
    unreadable file) is shown with ``operator.report`` and the operator is
    cancelled: no traceback pop-up for user mistakes.
    """
    try:
        summary = action()
    except USER_ERRORS as exc:
        operator.report({"ERROR"}, str(exc))
        return {"CANCELLED"}
    if summary:
        operator.report({"INFO"}, summary)
    return {"FINISHED"}


@contextlib.contextmanager
def progress_bar(context, steps: int = 100) -> Iterator[Callable[[float], None]]:
    """Blender's progress indicator as a ``fraction -> None`` callback."""
    wm = getattr(context, "window_manager", None)
    if wm is None:
        yield lambda _fraction: None
        return
    wm.progress_begin(0, steps)
    try:
        yield lambda fraction: wm.progress_update(int(max(0.0, min(1.0, fraction)) * steps))
    finally:
        wm.progress_end()
