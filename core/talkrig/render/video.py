"""Video in and out through imageio-ffmpeg's bundled ffmpeg (H.264 + AAC).

Frames are uint8 arrays (T, H, W, 3). Reading crops a square (x, y, size in source
pixels; default: the centred square) and scales it to ``out_size``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError


def _ffmpeg() -> str:
    from talkrig.ffmpeg import ffmpeg_exe

    return ffmpeg_exe("video")


def probe(path: str | os.PathLike) -> dict:
    """``{'fps', 'size' (w, h), 'duration'}`` of a video file."""
    import imageio_ffmpeg
    if not Path(path).is_file():
        raise TalkRigError("video file not found", path)
    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        reader.close()
    except (RuntimeError, OSError, StopIteration) as exc:
        raise TalkRigError(f"not a readable video ({str(exc).splitlines()[0][:80]})", path) from None
    return {"fps": float(meta["fps"]), "size": tuple(meta["size"]), "duration": meta["duration"]}


def square_crop(info: dict, crop: tuple[int, int, int] | None, path) -> tuple[int, int, int]:
    """``crop`` checked against the frame of ``info`` (from :func:`probe`), or the centred
    square when None. Raises TalkRigError when it falls outside the frame."""
    w, h = info["size"]
    x, y, s = crop if crop else ((w - min(w, h)) // 2, (h - min(w, h)) // 2, min(w, h))
    if x < 0 or y < 0 or s <= 0 or x + s > w or y + s > h:
        raise TalkRigError(f"crop {x},{y},{s} falls outside the {w}x{h} frame", path)
    return x, y, s


def read_frames(path: str | os.PathLike, out_size: int, crop: tuple[int, int, int] | None = None,
                every: int = 1, max_frames: int | None = None) -> tuple[np.ndarray, float]:
    """Square-cropped, scaled frames ``(T, out_size, out_size, 3)`` uint8 and their fps."""
    info = probe(path)
    x, y, s = square_crop(info, crop, path)
    vf = f"select=not(mod(n\\,{every})),crop={s}:{s}:{x}:{y},scale={out_size}:{out_size}:flags=area"
    cmd = [_ffmpeg(), "-loglevel", "error", "-i", str(path), "-vf", vf, "-fps_mode", "passthrough"]
    if max_frames:
        cmd += ["-frames:v", str(max_frames)]
    raw = subprocess.run(cmd + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, out_size, out_size, 3)
    return frames, info["fps"] / every


def extract_audio(path: str | os.PathLike, wav_path: str | os.PathLike) -> bool:
    """Write the video's audio track as 16 kHz mono wav; False if it has none."""
    proc = subprocess.run([_ffmpeg(), "-loglevel", "error", "-y", "-i", str(path), "-vn",
                           "-ac", "1", "-ar", "16000", str(wav_path)], capture_output=True)
    return proc.returncode == 0 and Path(wav_path).stat().st_size > 1000


def write_mp4(frames: np.ndarray, fps: float, out_path: str | os.PathLike,
              audio_path: str | os.PathLike | None = None) -> Path:
    """Encode ``(T, H, W, 3)`` uint8 to H.264 (yuv420p) with an optional AAC audio track."""
    out_path = Path(out_path)
    t, h, w, _ = frames.shape
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "video.mp4"
        cmd = [_ffmpeg(), "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-"]
        if audio_path:
            cmd += ["-i", str(audio_path), "-c:a", "aac", "-shortest"]
        cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", str(part)]
        subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(), check=True,
                       capture_output=True)
        os.replace(part, out_path)
    return out_path
