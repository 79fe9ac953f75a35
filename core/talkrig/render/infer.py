"""``talkrig avatar render`` / ``compare``: curves -> mesh -> neural frames -> mp4 (torch).

Pose and background come from the avatar's own tracked footage, played forwards
then backwards (ping-pong) for as long as the audio lasts, as READ Avatars does
with its reference videos; the expression comes from the audio through the normal
TalkRig engines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from talkrig.errors import TalkRigError

CHUNK = 8  # frames per forward pass


@dataclass(frozen=True)
class RenderOptions:
    """``talkrig avatar render`` settings."""

    emotion: str | None = None  # emotion spec for the engine ("happy:0.7", timeline, ...)
    engine: str | None = None  # None: TalkRig's default engine
    force: bool = False  # overwrite an existing output
    device: str = "cpu"


def ping_pong(n_out: int, n_ref: int) -> np.ndarray:
    """Reference frame index per output frame: 0..n-1, n-2..1, 0.. (n_out,)."""
    if n_ref == 1:
        return np.zeros(n_out, np.int64)
    cycle = np.concatenate([np.arange(n_ref), np.arange(n_ref - 2, 0, -1)])
    return cycle[np.arange(n_out) % len(cycle)]


def check_avatar(avatar_dir: str | os.PathLike) -> Path:
    path = Path(avatar_dir)
    for name in ("avatar.pt", "track.npz", "frames.npy"):
        if not (path / name).is_file():
            raise TalkRigError(f"not a trained avatar folder (missing {name}); "
                               "run `talkrig avatar train` first", path)
    return path


def neural_frames(model, saved: dict, pose, weights, windows, ref_frames,
                  progress: Callable[[float], None] | None = None,
                  identity: np.ndarray | None = None) -> np.ndarray:
    """Render frames ``(T, S, S, 3)`` uint8 for per-frame pose ``(T, 6)``, weights ``(T, 51)``,
    audio windows ``(T, 2W, F)`` and reference frames ``(T, S, S, 3)`` uint8."""
    import torch
    from talkrig.render.model import neighbour_index
    from talkrig.render.train import rasterize_track
    size, n = saved["size"], len(pose)
    uv, mask, _ = rasterize_track(pose, weights, size, saved["track"]["head_height_cm"],
                                  identity)
    win = torch.from_numpy(np.ascontiguousarray(windows, np.float32))
    ref = torch.from_numpy(ref_frames.astype(np.float32) / 255).permute(0, 3, 1, 2)
    radius = model.dims.neighbours
    out = []
    with torch.no_grad():
        for start in range(0, n, CHUNK):
            idx = list(range(start, min(start + CHUNK, n)))
            rows = torch.tensor([neighbour_index(t, n, radius) for t in idx])
            img, _ = model(uv[rows], mask[rows], win[rows], ref[idx], saved["dilate_px"])
            out.append((img.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy())
            if progress:
                progress(min(start + CHUNK, n) / n)
    return np.concatenate(out)


def render(avatar_dir, audio_path, out_path, opts: RenderOptions = RenderOptions(),
           progress: Callable[[float], None] | None = None) -> Path:
    """Audio (+ emotion) -> talking-head mp4 of the avatar, with the audio track."""
    from talkrig.atomic import check_writable
    from talkrig.audio import load_audio
    from talkrig.pipeline import GenerateOptions, generate
    from talkrig.render.audiofeat import frame_windows
    from talkrig.render.fitloop import load_model
    from talkrig.render.head import arkit_weights, load_head
    from talkrig.render.train import load_prepared
    from talkrig.render.video import write_mp4
    avatar_dir = check_avatar(avatar_dir)
    out_path = check_writable(out_path, force=opts.force)
    model, saved = load_model(avatar_dir, opts.device)
    data = load_prepared(avatar_dir)
    fps = float(data["fps"])
    gen = GenerateOptions(emotion=opts.emotion, fps=fps,
                          **({"engine": opts.engine} if opts.engine else {}))
    take = generate(audio_path, gen)
    weights = arkit_weights(take.channels, take.values, load_head())
    ref = ping_pong(take.n_frames, len(data["frames"]))
    windows = frame_windows(load_audio(audio_path).samples, fps, take.n_frames,
                            model.dims.audio_window)
    frames = neural_frames(model, saved, data["pose"][ref], weights, windows,
                           data["frames"][ref], progress, data.get("identity"))
    return write_mp4(frames, fps, out_path, audio_path)


def reconstruct_footage(avatar_dir) -> tuple[np.ndarray, dict, dict]:
    """The avatar's own footage re-rendered from its track.

    Returns
    -------
    rec : np.ndarray, shape (T, S, S, 3), uint8
    data : dict
        :func:`talkrig.render.train.load_prepared` (frames, pose, weights, identity, ...).
    saved : dict
        The training options stored with the model.
    """
    from talkrig.render.fitloop import load_model
    from talkrig.render.nets import RenderDims
    from talkrig.render.train import audio_windows, load_prepared
    avatar_dir = check_avatar(avatar_dir)
    model, saved = load_model(avatar_dir)
    data = load_prepared(avatar_dir)
    frames = data["frames"]
    windows = audio_windows(avatar_dir, len(frames), float(data["fps"]),
                            RenderDims(**saved["dims"]))
    rec = neural_frames(model, saved, data["pose"], data["weights"], windows, frames,
                        identity=data.get("identity"))
    return rec, data, saved


def compare(avatar_dir, out_path, force: bool = False) -> Path:
    """Side-by-side mp4: tracked reference footage | reconstruction from the track."""
    from talkrig.atomic import check_writable
    from talkrig.render.video import write_mp4
    avatar_dir = check_avatar(avatar_dir)
    out_path = check_writable(out_path, force=force)
    rec, data, _ = reconstruct_footage(avatar_dir)
    wav = avatar_dir / "audio.wav"
    return write_mp4(np.concatenate([data["frames"], rec], axis=2), float(data["fps"]),
                     out_path, wav if wav.is_file() else None)
