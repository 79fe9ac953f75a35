"""Keying speed of the Blender add-on: a 60 s take at 60 fps onto 52 shape keys.

Target (issue 5): applying it takes <= 1 s. Builds the demo head (51 ARKit keys)
plus a ``tongueOut`` key so all 52 ARKit channels are mapped, then times
``talkrig_blender.api.apply_take`` (new action, 52 F-curves x 3600 keys written
with ``foreach_set``, previous action pushed to NLA) and prints the median of a few
runs, the target ratio, and keys per second. Also times reading the keys back
(``export_take``). Needs the ``bpy`` module.

Usage: python bench/bench_blender_apply.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "blender_addon"))

TAKE_S = 60.0
FPS = 60
TARGET_S = 1.0  # issue 5: <= 1 s to key a 60 s take at 60 fps on 52 shape keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs (default: 5)")
    args = parser.parse_args(argv)
    import bpy

    from talkrig.rigs import ARKIT52
    from talkrig.take import Take
    from talkrig_blender import api

    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    head = api.build_demo_head(name="Bench Head")
    head.shape_key_add(name="tongueOut", from_mix=False)
    n_frames = int(TAKE_S * FPS)
    values = np.random.default_rng(0).uniform(0, 1, (n_frames, 52)).astype(np.float32)
    take = Take(fps=FPS, channels=ARKIT52, values=values)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = api.apply_take(head, take, start_frame=1, add_sound=False)
        times.append(time.perf_counter() - start)
    assert len(result.mapping.pairs) == 52
    start = time.perf_counter()
    back = api.export_take(head, 1, n_frames)
    export_s = time.perf_counter() - start
    order = [ARKIT52.index(c) for c in back.channels]
    assert np.allclose(back.values, values[:, order], atol=1e-6)
    median = statistics.median(times)
    keys = 52 * n_frames
    print(f"Blender {bpy.app.version_string}: apply {TAKE_S:g} s take at {FPS} fps, "
          f"52 shape keys ({keys} keys)")
    print(f"  apply_take median {median:.3f} s (min {min(times):.3f}, max {max(times):.3f}, "
          f"{args.repeats} runs) = {median / TARGET_S:.2f} x target {TARGET_S:g} s "
          f"-> {'OK' if median <= TARGET_S else 'MISSED'}")
    print(f"  {keys / median / 1e6:.2f} M keys/s; export_take (read back) {export_s:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
