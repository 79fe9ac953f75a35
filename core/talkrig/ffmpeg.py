"""Finding ffmpeg (imageio-ffmpeg's bundled binary, else one on PATH) and decoding
audio that libsndfile cannot read (M4A/AAC from phones, the sound of video files)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from talkrig.errors import TalkRigError

INSTALL_HINT = "install ffmpeg, or pip install imageio-ffmpeg (the 'video' extra)"
DECODE_TIMEOUT_S = 600.0  # an hour of AAC decodes in well under a minute


def find_ffmpeg() -> str | None:
    """Path of an ffmpeg executable, or None."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")


def ffmpeg_exe(needed_by: str) -> str:
    """Path of ffmpeg, else a one-line error saying who needs it and how to get it."""
    exe = find_ffmpeg()
    if exe is None:
        raise TalkRigError(f"no ffmpeg: {INSTALL_HINT}", needed_by)
    return exe


def decode_to_wav(source: str | os.PathLike, wav: str | os.PathLike, max_s: float) -> None:
    """Decode the first audio stream of ``source`` to a float WAV (rate and channels kept).

    At most ``max_s`` seconds are decoded (longer input is cut there, so a caller
    can refuse it without decoding hours).

    Raises
    ------
    TalkRigError
        No ffmpeg, or ffmpeg found no audio it could decode ("ffmpeg: <its reason>").
    """
    exe = ffmpeg_exe(str(source))
    cmd = [exe, "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:a:0",
           "-t", f"{max_s:.3f}", "-c:a", "pcm_f32le", "-f", "wav", str(wav)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=DECODE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TalkRigError("ffmpeg took too long to decode the audio", str(source)) from None
    if done.returncode != 0 or not Path(wav).is_file() or Path(wav).stat().st_size == 0:
        raise TalkRigError(f"ffmpeg: {_reason(done.stderr, source, done.returncode)}",
                           str(source))


def _reason(stderr: str, source, code: int) -> str:
    """ffmpeg's first error line, without the file name it starts with."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if any("matches no streams" in line for line in lines):
        return "no audio stream"
    if not lines:
        return f"exit code {code}"
    return re.sub(r"^\[[^\]]*\]\s*", "", lines[0]).replace(f"{source}: ", "")  # "[in#0 @ 0x..]"
