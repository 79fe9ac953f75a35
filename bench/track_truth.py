"""How well the tracker recovers a Blender-rendered ground truth: errors per channel and angle.

Renders the demo head in Blender (``training/render_track_truth.py``, a child
process: the ``bpy`` module) at the landmark network's 192 px, area-averages the
frames down to the tracking size, tracks them with :func:`talkrig.render.track.fit`
photometrically only and with MediaPipe landmarks (as ``avatar train`` does by
default), and prints, per ARKit channel, the mean absolute error, the correlation over
frames and the gain (least-squares slope of tracked on true), per head angle the mean
absolute error in degrees, and the landmark detector's own error against the truth::

    .venv/bin/python bench/track_truth.py [--frames 32] [--size 64] [--mode both]
                                          [--out DIR] [--strip docs/x.png] [--force]

The angles are compared in one convention (yaw, pitch, roll, intrinsic Y-X-Z as a
tracked Take's ``head_pose``; see the render script): the tracker's axis-angle pose is
turned into a matrix and decomposed the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RENDER_SCRIPT = ROOT / "training" / "render_track_truth.py"
ANGLES = ("yaw", "pitch", "roll")
RENDER_SIZE = 192  # talkrig.render.landmarks.INPUT_SIZE: frames are rendered at this size


@dataclass(frozen=True)
class TrackTruthResult:
    """Per channel: mae, corr, gain, peak (tracked maximum) (dicts by name); per angle: mae_deg (dict);
    framing_error: (3,) |log scale|, |tx|, |ty| mean absolute errors; photo: mean L1;
    spurious: (name, mean weight) of the undriven channel the tracker used most."""

    mae: dict
    corr: dict
    gain: dict
    peak: dict
    angle_mae_deg: dict
    framing_error: np.ndarray
    photo: float
    spurious: tuple


def render_truth(out_dir: Path, frames: int, size: int, png: bool = False,
                 force: bool = False) -> tuple[np.ndarray, dict]:
    """Render the ground-truth clip in a child process; ``(T, H, W, 3)`` uint8 and the truth."""
    cmd = [sys.executable, str(RENDER_SCRIPT), str(out_dir), "--frames", str(frames),
           "--size", str(size)] + (["--png"] if png else []) + (["--force"] if force else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ground-truth render failed:\n{proc.stderr[-2000:]}")
    with np.load(out_dir / "frames.npz") as data:
        clip = data["frames"]
    return clip, json.loads((out_dir / "truth.json").read_text())


def _truth_vertices(asset_or_head, truth: dict, t: int, full: bool) -> np.ndarray:
    """Vertices (V, 3) cm of frame ``t`` under the true weights (asset or HeadMesh)."""
    if full:
        pos = asset_or_head.positions.copy()
        for name, values in truth["weights"].items():
            i = asset_or_head.shape_names.index(name)
            pos[asset_or_head.shape_indices[i]] += values[t] * asset_or_head.shape_deltas[i]
        return pos
    w = np.zeros(len(asset_or_head.shape_names), np.float32)
    for name, values in truth["weights"].items():
        w[asset_or_head.shape_names.index(name)] = values[t]
    return asset_or_head.deform(w)


def _project(points_cm: np.ndarray, pose, size: int, head_height_cm: float) -> np.ndarray:
    import torch
    from talkrig.render.camera import project
    xy, _ = project(torch.from_numpy(np.asarray(points_cm, np.float32)),
                    torch.tensor(pose, dtype=torch.float32), size, head_height_cm)
    return xy.numpy()


def mapping_error_px(truth: dict) -> float:
    """Largest pixel distance between Blender's projection of the check vertices and
    camera.py's projection of the same deformed vertices with the truth tracker pose."""
    from talkrig.demo_head import load_head_asset
    asset = load_head_asset()
    ids = np.asarray(truth["check_vertex_ids"])
    return max(float(np.abs(_project(_truth_vertices(asset, truth, t, True)[ids], pose,
                                     truth["size"], truth["head_height_cm"])
                            - np.asarray(truth["check_pixels"][t])).max())
               for t, pose in enumerate(truth["tracker_pose"]))


def downsample(clip: np.ndarray, size: int) -> np.ndarray:
    """Area-average ``(T, S, S, 3)`` uint8 frames to ``size`` (S a multiple of it)."""
    t, s = clip.shape[:2]
    if s % size:
        raise ValueError(f"tracking size {size} must divide the render size {s}")
    k = s // size
    blocks = clip.reshape(t, size, k, size, k, 3).astype(np.float32).mean((2, 4))
    return blocks.round().astype(np.uint8)


def landmark_truth_error(truth: dict, points: np.ndarray, head) -> tuple[float, float]:
    """The detector against the truth: mean distance (px at the render size) of the
    detected points from the true projections of their mapped ICT vertices, and the
    same over the inter-ocular distance (NME)."""
    from talkrig.render.landmarks import OUTER_EYE_CORNERS, map_for
    mapping = map_for(head)
    dist, nme = [], []
    for t, pose in enumerate(truth["tracker_pose"]):
        true_xy = _project(_truth_vertices(head, truth, t, False)[mapping.vertices], pose,
                           truth["size"], truth["head_height_cm"])
        d = np.linalg.norm(points[t, mapping.points] - true_xy, axis=1).mean()
        ocular = np.linalg.norm(points[t, OUTER_EYE_CORNERS[0]] - points[t, OUTER_EYE_CORNERS[1]])
        dist.append(d)
        nme.append(d / ocular)
    return float(np.nanmean(dist)), float(np.nanmean(nme))


def tracked_angles_deg(pose: np.ndarray) -> np.ndarray:
    """(T, 6) tracker poses -> (T, 3) yaw, pitch, roll degrees (the truth's convention)."""
    from training.render_track_truth import axis_angle_matrix, matrix_euler
    return matrix_euler(axis_angle_matrix(pose[:, :3]))


def evaluate(truth: dict, pose: np.ndarray, weights: np.ndarray, shape_names, photo: float
             ) -> TrackTruthResult:
    """Compare a track (``pose`` (T, 6), ``weights`` (T, S)) with the truth."""
    mae, corr, gain, peak = {}, {}, {}, {}
    for name, true in truth["weights"].items():
        true = np.asarray(true)
        got = weights[:, list(shape_names).index(name)]
        mae[name] = float(np.abs(got - true).mean())
        peak[name] = float(got.max())
        centred = true - true.mean()
        if true.std() < 1e-6:  # a constant truth (a clip too short for this curve)
            corr[name] = gain[name] = float("nan")
            continue
        corr[name] = float(np.corrcoef(true, got)[0, 1]) if got.std() > 1e-6 else 0.0
        gain[name] = float((centred * (got - got.mean())).sum() / (centred ** 2).sum())
    err = np.abs(tracked_angles_deg(pose) - np.asarray(truth["angles_deg"])).mean(0)
    framing = np.abs(pose[:, 3:] - np.asarray(truth["tracker_pose"])[:, 3:]).mean(0)
    undriven = [i for i, n in enumerate(shape_names) if n not in truth["weights"]]
    worst = undriven[int(np.argmax(weights[:, undriven].mean(0)))]
    spurious = (shape_names[worst], float(weights[:, worst].mean()))
    return TrackTruthResult(mae, corr, gain, peak, dict(zip(ANGLES, err.tolist())), framing, photo,
                            spurious)


def table(result: TrackTruthResult, truth: dict) -> str:
    """Markdown tables of the result."""
    lines = ["| channel | true range | tracked peak | MAE | correlation | gain (slope) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, true in truth["weights"].items():
        lines.append(f"| {name} | {min(true):.2f}-{max(true):.2f} | {result.peak[name]:.2f} | "
                     f"{result.mae[name]:.3f} | "
                     f"{result.corr[name]:.2f} | {result.gain[name]:.2f} |")
    amp = np.abs(np.asarray(truth["angles_deg"])).max(0)
    lines += ["", "| angle | true sweep | mean abs error |", "| --- | --- | --- |"]
    for i, name in enumerate(ANGLES):
        lines.append(f"| {name} | +-{amp[i]:.1f} deg | {result.angle_mae_deg[name]:.2f} deg |")
    ls, tx, ty = result.framing_error
    lines += ["", f"framing error: log scale {ls:.3f}, tx {tx:.3f}, ty {ty:.3f} (image fractions); "
                  f"photometric L1 {result.photo:.3f}; most used undriven channel "
                  f"{result.spurious[0]} (mean {result.spurious[1]:.3f})"]
    return "\n".join(lines)


def strip_png(clip: np.ndarray, tracks: list, head, opts, count: int, path: Path) -> None:
    """Rows: the Blender ground truth, then the tracker's own albedo render of each fit."""
    import torch
    from PIL import Image
    from talkrig.render.track import HeadTensors, render_albedo
    ht = HeadTensors(head)
    pick = np.linspace(0, len(clip) - 1, count).round().astype(int)
    rows = [np.concatenate(list(clip[pick]), 1)]
    with torch.no_grad():
        for track in tracks:
            tex, bg = torch.from_numpy(track.texture), torch.from_numpy(track.background)
            fits = [render_albedo(ht, torch.from_numpy(track.pose[t]),
                                  torch.from_numpy(track.weights[t]), tex, bg, opts.size,
                                  opts.head_height_cm).permute(1, 2, 0).numpy() for t in pick]
            rows.append((np.concatenate(fits, 1).clip(0, 1) * 255).round().astype(np.uint8))
    from talkrig.atomic import atomic_open
    with atomic_open(path, "wb", force=True) as handle:  # main() checked it up front
        Image.fromarray(np.concatenate(rows, 0)).save(handle, format="PNG")


def track_truth(clip: np.ndarray, truth: dict, head, opts, points: np.ndarray | None):
    """Track ``clip`` (already at ``opts.size``), with landmark ``points`` (T, 468, 2) at
    the render size or None; returns the Track and its :class:`TrackTruthResult`."""
    from talkrig.render.track import fit
    scaled = None if points is None else points * (opts.size / truth["size"])
    track = fit(clip, head, opts, landmarks=scaled)
    result = evaluate(truth, track.pose, track.weights, head.shape_names,
                      float(track.loss.mean()))
    return track, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=32, help="clip length")
    ap.add_argument("--size", type=int, default=64, help="tracking size, px (divides 192)")
    ap.add_argument("--mode", choices=("photo", "landmarks", "both"), default="both",
                    help="photometric only, with landmarks, or both")
    ap.add_argument("--key-iters", type=int, default=120, help="tracker stage-1 steps")
    ap.add_argument("--frame-iters", type=int, default=20, help="tracker steps per frame")
    ap.add_argument("--out", type=Path, help="folder for the rendered clip (default: a new "
                                              "temporary folder)")
    ap.add_argument("--force", action="store_true", help="overwrite the clip in --out and "
                                                         "the --strip PNG")
    ap.add_argument("--strip", type=Path, help="write a PNG strip here: Blender frames, then "
                                                "the tracker's render of each mode's fit")
    args = ap.parse_args()
    import torch
    from talkrig.atomic import check_writable
    from talkrig.render.head import load_head
    from talkrig.render.landmarks import detect
    from talkrig.render.track import TrackOptions
    torch.set_num_threads(1)
    if args.strip:
        check_writable(args.strip, args.force)
    out = args.out or Path(tempfile.mkdtemp(prefix="talkrig_track_truth_"))
    start = time.perf_counter()
    big, truth = render_truth(out, args.frames, RENDER_SIZE, force=args.force)
    print(f"rendered {args.frames} frames at {RENDER_SIZE} px in "
          f"{time.perf_counter() - start:.1f} s; convention check: max "
          f"{mapping_error_px(truth):.4f} px")
    head = load_head()
    clip = downsample(big, args.size)
    opts = TrackOptions(size=args.size, key_iters=args.key_iters, frame_iters=args.frame_iters)
    points = detect(big)[0]
    px, nme = landmark_truth_error(truth, points, head)
    print(f"landmark detector vs truth: {px:.2f} px at {RENDER_SIZE} px, NME {nme:.3f}")
    modes = ("photo", "landmarks") if args.mode == "both" else (args.mode,)
    tracks = []
    for mode in modes:
        begin = time.perf_counter()
        track, result = track_truth(clip, truth, head, opts,
                                    points if mode == "landmarks" else None)
        print(f"\n## {mode}: tracked {args.frames} frames at {args.size} px in "
              f"{time.perf_counter() - begin:.1f} s")
        print(table(result, truth))
        tracks.append(track)
    if args.strip:
        strip_png(clip, tracks, head, opts, 6, args.strip)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from talkrig.errors import TalkRigError
    try:
        main()
    except TalkRigError as exc:
        sys.exit(f"track_truth: {exc}")
