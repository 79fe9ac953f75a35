"""``talkrig avatar train``: track a video, then fit the neural renderer (torch).

Writes into the avatar folder (resumable: tracking is reused, training continues
from ``avatar.pt``):

* ``frames.npy``  reference frames (T, S, S, 3) uint8 (the user's own footage)
* ``track.npz``   pose (T, 6), weights (T, S_shapes), identity (V, 3), albedo,
  background, fps, and the face landmarks (T, 468, 2) with the tracked mesh's mean
  distance from them
* ``track.take.json``  the tracked expression as a Take (a training-data source)
* ``audio.wav``   the video's audio track, 16 kHz mono
* ``avatar.pt``   networks + dims + options + step (self-describing)
* ``metrics.json`` PSNR/SSIM/mouth L1 on training and held-out frames
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.render.nets import RenderDims
from talkrig.render.track import TrackOptions

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class AvatarOptions:
    """How to build an avatar."""

    size: int = 64  # render/training resolution, pixels (multiple of 8)
    every: int = 2  # keep every n-th video frame (60 fps -> 30 fps)
    crop: tuple | None = None  # x, y, size square in source pixels; None: centred square
    max_frames: int | None = None  # cap on frames used (after `every`)
    steps: int = 300  # renderer training steps
    batch: int = 4  # frames per step
    lr: float = 2e-3  # Adam learning rate (audio encoder, UNet)
    # SIREN texture: Sitzmann et al.'s 1e-4. At 2e-3 (one rate for all) the texture
    # stopped following the mesh and the renderer drew an average face: mouth-region
    # motion 0.4 grey levels against 3.6 in the footage; 3e-5..3e-4 all give 2.1-2.3
    lr_texture: float = 1e-4
    lr_disc: float = 2e-4  # Adam learning rate (discriminator)
    ssim_weight: float = 1.0  # multi-scale structural loss (no VGG weights offline)
    gan_weight: float = 0.01  # LSGAN weight (READ: 0.01)
    holdout_every: int = 10  # every n-th frame is held out of training
    dilate_px: int = 2  # alpha -> alpha_exp dilation
    checkpoint_every: int = 100  # steps between checkpoints
    device: str = "cpu"
    seed: int = 0
    landmarks: bool = True  # detect face landmarks and fit the mesh to them too
    dims: RenderDims = field(default_factory=RenderDims)
    track: TrackOptions = field(default_factory=TrackOptions)


def prepare(video: str | Path, out_dir: Path, opts: AvatarOptions,
            progress: ProgressFn | None = None) -> dict:
    """Read, track and cache the video; returns the cached arrays."""
    from talkrig.render.head import load_head
    from talkrig.render.track import fit
    from talkrig.render.video import extract_audio, read_frames
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / "track.npz").is_file():
        frames, fps = read_frames(video, opts.size, opts.crop, opts.every, opts.max_frames)
        if len(frames) < 4:
            raise TalkRigError(f"only {len(frames)} frames: need a longer video", video)
        has_audio = extract_audio(video, out_dir / "audio.wav")
        points = face_landmarks(video, opts, len(frames), progress)
        track = fit(frames, load_head(), _track_opts(opts), progress, landmarks=points)
        np.save(out_dir / "frames.npy", frames)
        extra = {} if points is None else {"landmarks": points, "landmark_px": track.landmark_px}
        np.savez(out_dir / "track.npz", pose=track.pose, weights=track.weights,
                 texture=track.texture, background=track.background, loss=track.loss,
                 identity=track.identity, fps=fps, has_audio=has_audio, **extra)
        _write_take(out_dir, track.weights, track.pose, fps)
    return load_prepared(out_dir)


def face_landmarks(video, opts: AvatarOptions, n_frames: int,
                   progress: ProgressFn | None = None) -> np.ndarray | None:
    """MediaPipe face-mesh points ``(T, 468, 2)`` in ``opts.size`` pixels (NaN rows: no
    face), read from the same crop at the network's 192 px; None if turned off."""
    from talkrig.render.landmarks import INPUT_SIZE, detect
    from talkrig.render.video import read_frames
    if not opts.landmarks:
        return None
    crops, _ = read_frames(video, INPUT_SIZE, opts.crop, opts.every, opts.max_frames)
    points, _ = detect(crops[:n_frames])
    if progress:
        progress("landmarks", 1.0)
    found = np.isfinite(points).all(axis=(1, 2))
    if not found.any():
        message = f"{video}: the landmark network found no face in the crop; tracking by colour only"
        log.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return None
    return points * (opts.size / INPUT_SIZE)


def _track_opts(opts: AvatarOptions) -> TrackOptions:
    from dataclasses import replace
    return replace(opts.track, size=opts.size)


def _write_take(out_dir: Path, weights: np.ndarray, pose: np.ndarray, fps: float) -> None:
    """The track as an ARKit-52 Take; head_pose = yaw, pitch, roll (radians) of the
    camera-space rotation, intrinsic Y-X-Z in ICT's frame (Y up, face toward +Z)."""
    from scipy.spatial.transform import Rotation
    from talkrig.formats import write_take
    from talkrig.render.head import load_head
    from talkrig.rigs import ARKIT52
    from talkrig.take import Provenance, Take
    names = load_head().shape_names
    values = np.zeros((len(weights), len(ARKIT52)), np.float32)
    for i, name in enumerate(names):
        values[:, list(ARKIT52).index(name)] = weights[:, i]
    head_pose = Rotation.from_rotvec(pose[:, :3]).as_euler("YXZ")
    take = Take(fps=fps, channels=tuple(ARKIT52), values=values, head_pose=head_pose,
                provenance=Provenance(engine="avatar-track"))
    write_take(take, out_dir / "track.take.json", force=True)


def load_prepared(out_dir: Path) -> dict:
    """Cached frames, track and audio of an avatar folder."""
    with np.load(out_dir / "track.npz") as d:
        data = {k: d[k] for k in d.files}
    data["frames"] = np.load(out_dir / "frames.npy")
    return data


def rasterize_track(pose: np.ndarray, weights: np.ndarray, size: int, head_height_cm: float,
                    identity: np.ndarray | None = None):
    """UV images ``(T, 2, S, S)`` and coverage ``(T, S, S)`` (+ mouth ``(T, S, S)``) of a
    track; ``identity`` (V, 3): the tracked person's reshaping of the head (cm)."""
    import torch
    from talkrig.render.head import load_head
    from talkrig.render.track import HeadTensors
    ht = HeadTensors(load_head())
    if identity is not None and identity.size:
        ht.identity = torch.from_numpy(np.asarray(identity, np.float32))
    uvs, masks, mouths = [], [], []
    with torch.no_grad():
        for p, w in zip(pose, weights):
            r = ht.raster(torch.from_numpy(p), torch.from_numpy(w), size, head_height_cm)
            uvs.append(r.interpolate(ht.face_uvs))
            masks.append(r.mask())
            m = torch.zeros(size * size)
            m[r.pixels[ht.mouth[r.faces]]] = 1
            mouths.append(m.view(size, size))
    return torch.stack(uvs), torch.stack(masks), torch.stack(mouths)


def audio_windows(out_dir: Path, n: int, fps: float, dims: RenderDims,
                  wav: Path | None = None) -> np.ndarray:
    """Audio window per frame ``(T, 2W, n_feat)`` (zeros when the video had no audio)."""
    from talkrig.audio import load_audio
    from talkrig.render.audiofeat import frame_windows
    wav = wav or out_dir / "audio.wav"
    if not wav.is_file():
        return np.zeros((n, 2 * dims.audio_window, dims.n_feat), np.float32)
    return frame_windows(load_audio(wav).samples, fps, n, dims.audio_window)


def train(video: str | Path, out_dir: str | Path, opts: AvatarOptions = AvatarOptions(),
          progress: ProgressFn | None = None) -> dict:
    """Track ``video`` and train the renderer; returns the metrics dict."""
    import torch
    from talkrig.render.fitloop import Trainer
    out_dir = Path(out_dir)
    torch.manual_seed(opts.seed)
    data = prepare(video, out_dir, opts, progress)
    trainer = Trainer(out_dir, data, opts)
    start = time.time()
    trainer.run(progress)
    metrics = trainer.evaluate()
    metrics["train_seconds"] = round(time.time() - start, 1)
    metrics["track_photometric_l1"] = float(np.mean(data["loss"]))
    if "landmarks" in data and np.isfinite(data["landmark_px"]).any():
        from talkrig.render.landmarks import normalised_error
        metrics["track_landmark_px"] = float(np.nanmean(data["landmark_px"]))
        metrics["track_landmark_nme"] = normalised_error(data["landmark_px"], data["landmarks"])
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics


def options_dict(opts: AvatarOptions) -> dict:
    return asdict(opts)
