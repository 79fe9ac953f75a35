"""Speed of ``talkrig avatar render`` at 256 px: frames per second and peak memory.

Times the per-frame work of rendering (mesh deform + rasterize + SIREN texture +
UNet + composite) with freshly initialised networks of the default sizes (the
speed does not depend on the weights), on 1 and 2 CPU threads, and on CUDA when
available. Prints one line per device, then the face-landmark network's rate
(onnxruntime, the tracker's per-frame detection at 192 px).

    python bench/bench_render.py [--size 256] [--frames 24]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def _fake_avatar(size: int):
    from talkrig.render.model import NeuralAvatar
    from talkrig.render.nets import RenderDims
    from talkrig.render.track import TrackOptions
    saved = {"size": size, "dilate_px": 2, "track": {"head_height_cm": 34.0}}
    return NeuralAvatar(RenderDims()), saved, TrackOptions()


def bench(size: int, frames: int, threads: int, device: str) -> tuple[float, float]:
    import torch
    from talkrig.render.infer import neural_frames
    torch.set_num_threads(threads)
    model, saved, topts = _fake_avatar(size)
    model = model.to(device).eval()
    rng = np.random.default_rng(0)
    pose = np.tile(np.array(topts.init_pose, np.float32), (frames, 1))
    weights = rng.uniform(0, 0.3, (frames, 51)).astype(np.float32)
    d = model.dims
    windows = rng.standard_normal((frames, 2 * d.audio_window, d.n_feat)).astype(np.float32)
    ref = rng.integers(0, 255, (frames, size, size, 3), dtype=np.uint8)
    neural_frames(model, saved, pose[:2], weights[:2], windows[:2], ref[:2])  # warm-up
    start = time.perf_counter()
    neural_frames(model, saved, pose, weights, windows, ref)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return frames / elapsed, peak_mb


def bench_landmarks(frames: int) -> float:
    """Frames per second of :func:`talkrig.render.landmarks.detect` on 192 px crops."""
    from talkrig.render.landmarks import INPUT_SIZE, detect
    crops = np.random.default_rng(0).integers(0, 255, (frames, INPUT_SIZE, INPUT_SIZE, 3),
                                              dtype=np.uint8)
    detect(crops[:2])  # warm-up (session creation)
    start = time.perf_counter()
    detect(crops)
    return frames / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256, help="frame size, pixels")
    ap.add_argument("--frames", type=int, default=24, help="frames timed")
    args = ap.parse_args()
    import torch
    runs = [(1, "cpu"), (2, "cpu")] + ([(1, "cuda")] if torch.cuda.is_available() else [])
    for threads, device in runs:
        fps, mb = bench(args.size, args.frames, threads, device)
        print(f"avatar render {args.size}px {device} threads={threads}: {fps:.2f} frames/s "
              f"({1000 / fps:.0f} ms/frame), peak RSS {mb:.0f} MB")
    print(f"face landmarks 192px cpu: {bench_landmarks(4 * args.frames):.1f} frames/s")


if __name__ == "__main__":
    main()
