"""``talkrig preview``: see and hear a take on the demo head without opening Blender.

Renders the ICT-FaceKit demo head with the take's curves through bpy (Workbench)
in a child process (the core never imports bpy), muxes the frames with the audio
into an H.264/AAC mp4 with ffmpeg, and writes a contact sheet PNG.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from talkrig.cli.common import subparser
from talkrig.errors import TalkRigError
from talkrig.ffmpeg import ffmpeg_exe

ADDON_ENV = "TALKRIG_BLENDER_ADDON"  # folder holding talkrig_blender/ and tools/
SHEET_COLUMNS, SHEET_ROWS = 4, 3  # contact sheet: 12 frames spread over the take
SHEET_THUMB_PX = 192  # width of each contact-sheet frame
RENDER_TIMEOUT_S = 3600  # a long take at a large size still finishes well inside this


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "preview", "Render a take on the demo head (Blender "
                  "Workbench via bpy) into an mp4 with the audio, plus a contact sheet.", run)
    p.add_argument("take", metavar="TAKE", help="ARKit take (.take.json, .npz, Live Link .csv)")
    sound = p.add_mutually_exclusive_group()
    sound.add_argument("--audio", help="audio to put on the video (default: the take's own "
                       "audio file when it exists, else a silent video)")
    sound.add_argument("--no-audio", action="store_true", help="write a silent video")
    p.add_argument("-o", "--output", default="preview.mp4", help="mp4 to write")
    p.add_argument("--sheet", help="contact sheet PNG (default: OUTPUT with .png)")
    p.add_argument("--fps", type=float, default=30.0, help="video frame rate")
    p.add_argument("--size", type=int, default=256, help="square frame size in pixels")
    p.add_argument("--blender", help="Blender executable to render with (default: this "
                   "Python, which must have the bpy module)")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")


def addon_dir() -> Path:
    """The ``blender_addon`` folder (source checkout, or ``$TALKRIG_BLENDER_ADDON``)."""
    candidates = [os.environ.get(ADDON_ENV), Path(__file__).resolve().parents[3]
                  / "blender_addon"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "tools" / "render_preview.py").is_file():
            return Path(candidate)
    raise TalkRigError(f"cannot find blender_addon/tools/render_preview.py: run from a "
                       f"TalkRig checkout or set {ADDON_ENV}", "preview")


def render_command(args, script: Path, frames: Path) -> list[str]:
    """The child process that renders frames with bpy or a Blender binary."""
    tail = [args.take, str(frames), "--fps", str(args.fps), "--size", str(args.size)]
    if args.blender:
        if shutil.which(args.blender) is None:
            raise TalkRigError("no Blender executable there", args.blender)
        return [args.blender, "-b", "--factory-startup", "-P", str(script), "--", *tail]
    if importlib.util.find_spec("bpy") is None:
        raise TalkRigError("rendering needs the bpy module (pip install 'talkrig[blender]') "
                           "or --blender PATH", "preview")
    return [sys.executable, str(script), *tail]


def _check_inputs(args) -> tuple[str | None, Path, Path]:
    from talkrig.atomic import check_writable
    from talkrig.formats import read_take

    take = read_take(args.take)  # fail fast on a bad take
    if take.rig != "arkit52":
        raise TalkRigError(f"preview renders ARKit-52 takes; this take's rig is "
                           f"{take.rig!r}", args.take)
    if not (1 <= args.fps <= 120) or not (32 <= args.size <= 2048):
        raise TalkRigError("--fps must be 1..120 and --size 32..2048", "preview")
    audio = args.audio
    own_audio = take.audio is not None and Path(take.audio.path).is_file()
    if audio is None and own_audio and not args.no_audio:
        audio = take.audio.path
    if audio is not None and not Path(audio).is_file():
        raise TalkRigError("audio file not found", audio)
    output = check_writable(args.output, force=args.force)
    if output.suffix.lower() != ".mp4":
        raise TalkRigError("output must end in .mp4", output)
    sheet = check_writable(args.sheet or output.with_suffix(".png"), force=args.force)
    return audio, output, sheet


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        marked = [ln for ln in lines if ln.startswith("talkrig-preview-error: ")]
        reason = (marked[-1].split(": ", 1)[1] if marked else (lines[-1] if lines
                                                               else f"exit {done.returncode}"))
        raise TalkRigError(f"{what} failed: {reason}", "preview")


def mux(ffmpeg: str, frames: Path, fps: float, audio: str | None, output: Path) -> None:
    """Frames (+ audio) -> H.264/AAC mp4, written beside ``output`` then renamed."""
    tmp = output.with_name(f".{output.name}.part.mp4")
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-framerate", f"{fps:g}",
           "-i", str(frames / "%05d.png")]
    if audio:
        cmd += ["-i", audio, "-c:a", "aac", "-b:a", "128k"]
    cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(tmp)]
    try:
        _run(cmd, "ffmpeg mux")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def contact_sheet(ffmpeg: str, frames: Path, n_frames: int, sheet: Path) -> None:
    """A grid of frames spread evenly over the take."""
    step = max(1, n_frames // (SHEET_COLUMNS * SHEET_ROWS))
    tmp = sheet.with_name(f".{sheet.name}.part.png")
    vf = (f"select='not(mod(n\\,{step}))',scale={SHEET_THUMB_PX}:-1,"
          f"tile={SHEET_COLUMNS}x{SHEET_ROWS}:padding=2")
    try:
        _run([ffmpeg, "-y", "-loglevel", "error", "-i", str(frames / "%05d.png"),
              "-vf", vf, "-frames:v", "1", "-update", "1", str(tmp)], "contact sheet")
        os.replace(tmp, sheet)
    finally:
        tmp.unlink(missing_ok=True)


def run(args) -> int:
    audio, output, sheet = _check_inputs(args)
    ffmpeg = ffmpeg_exe("preview")
    script = addon_dir() / "tools" / "render_preview.py"
    with tempfile.TemporaryDirectory(prefix="talkrig-preview-") as tmp:
        frames = Path(tmp) / "frames"
        _run(render_command(args, script, frames), "render")
        info = json.loads((frames / "preview.json").read_text())
        mux(ffmpeg, frames, args.fps, audio, output)
        contact_sheet(ffmpeg, frames, info["frames"], sheet)
    print(f"wrote {output} ({info['frames']} frames at {args.fps:g} fps"
          f"{', with audio' if audio else ', silent'}) and {sheet}")
    return 0
