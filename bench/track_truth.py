"""How well the tracker recovers a Blender-rendered ground truth: errors per channel and angle.

Renders the demo head in Blender (``training/render_track_truth.py``, a child
process: the ``bpy`` module), tracks the frames with :func:`talkrig.render.track.fit`
and prints, per ARKit channel, the mean absolute error, the correlation over frames
and the gain (least-squares slope of tracked on true), and per head angle the mean
absolute error in degrees::

    .venv/bin/python bench/track_truth.py [--frames 32] [--size 64] [--strip docs/x.png]

The angles are compared in one convention (pitch, yaw, roll; see the render script):
the tracker's axis-angle pose is turned into a matrix and decomposed the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RENDER_SCRIPT = ROOT / "training" / "render_track_truth.py"
ANGLES = ("pitch", "yaw", "roll")


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


def render_truth(out_dir: Path, frames: int, size: int,
                 png: bool = False) -> tuple[np.ndarray, dict]:
    """Render the ground-truth clip in a child process; ``(T, H, W, 3)`` uint8 and the truth."""
    cmd = [sys.executable, str(RENDER_SCRIPT), str(out_dir), "--frames", str(frames),
           "--size", str(size)] + (["--png"] if png else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ground-truth render failed:\n{proc.stderr[-2000:]}")
    with np.load(out_dir / "frames.npz") as data:
        clip = data["frames"]
    return clip, json.loads((out_dir / "truth.json").read_text())


def mapping_error_px(truth: dict) -> float:
    """Largest pixel distance between Blender's projection of the check vertices and
    camera.py's projection of the same deformed vertices with the truth tracker pose."""
    import torch
    from talkrig.demo_head import load_head_asset
    from talkrig.render.camera import project
    asset = load_head_asset()
    ids = np.asarray(truth["check_vertex_ids"])
    worst = 0.0
    for t, pose in enumerate(truth["tracker_pose"]):
        pos = asset.positions.copy()
        for name, values in truth["weights"].items():
            i = asset.shape_names.index(name)
            pos[asset.shape_indices[i]] += values[t] * asset.shape_deltas[i]
        xy, _ = project(torch.from_numpy(pos[ids]).float(), torch.tensor(pose).float(),
                        truth["size"], truth["head_height_cm"])
        worst = max(worst, float(np.abs(xy.numpy() - np.asarray(truth["check_pixels"][t])).max()))
    return worst


def tracked_angles_deg(pose: np.ndarray) -> np.ndarray:
    """(T, 6) tracker poses -> (T, 3) pitch, yaw, roll degrees (the truth's convention)."""
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
        corr[name] = float(np.corrcoef(true, got)[0, 1]) if got.std() > 1e-6 else 0.0
        centred = true - true.mean()
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


def strip_png(clip: np.ndarray, track, head, opts, count: int, path: Path) -> None:
    """Rows: Blender ground truth, the tracker's own render of its fit (albedo model)."""
    import torch
    from PIL import Image
    from talkrig.render.track import HeadTensors, render_albedo
    ht = HeadTensors(head)
    pick = np.linspace(0, len(clip) - 1, count).round().astype(int)
    with torch.no_grad():
        tex, bg = torch.from_numpy(track.texture), torch.from_numpy(track.background)
        fits = [render_albedo(ht, torch.from_numpy(track.pose[t]),
                              torch.from_numpy(track.weights[t]), tex, bg, opts.size,
                              opts.head_height_cm).permute(1, 2, 0).numpy() for t in pick]
    rows = [np.concatenate(list(clip[pick]), 1),
            (np.concatenate(fits, 1).clip(0, 1) * 255).round().astype(np.uint8)]
    Image.fromarray(np.concatenate(rows, 0)).save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=32, help="clip length")
    ap.add_argument("--size", type=int, default=64, help="frame and tracking size, px")
    ap.add_argument("--key-iters", type=int, default=120, help="tracker stage-1 steps")
    ap.add_argument("--frame-iters", type=int, default=20, help="tracker steps per frame")
    ap.add_argument("--out", type=Path, default=Path("/tmp/talkrig_track_truth"),
                    help="folder for the rendered clip")
    ap.add_argument("--strip", type=Path, help="write a GT | tracker-render PNG strip here")
    args = ap.parse_args()
    import torch
    from talkrig.render.head import load_head
    from talkrig.render.track import TrackOptions, fit
    torch.set_num_threads(1)
    start = time.perf_counter()
    clip, truth = render_truth(args.out, args.frames, args.size)
    rendered = time.perf_counter()
    print(f"rendered {args.frames} frames at {args.size} px in {rendered - start:.1f} s; "
          f"convention check: max {mapping_error_px(truth):.4f} px")
    head = load_head()
    opts = TrackOptions(size=args.size, key_iters=args.key_iters, frame_iters=args.frame_iters)
    track = fit(clip, head, opts)
    print(f"tracked in {time.perf_counter() - rendered:.1f} s")
    result = evaluate(truth, track.pose, track.weights, head.shape_names, float(track.loss.mean()))
    print(table(result, truth))
    if args.strip:
        strip_png(clip, track, head, opts, 6, args.strip)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
