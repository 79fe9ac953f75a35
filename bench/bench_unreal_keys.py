"""Take -> Unreal key arrays: time to convert a 60 s take (target: <= 50 ms).

Builds a 60 s, 60 fps ARKit take from real speech (../shared/data/speech-dev, tiled to
one minute), then times ``talkrig.unreal.keys.build_plan`` for both targets:
- metahuman: ARKit -> 240 CTRL_expressions curves -> 157 face-board controls -> keys;
- arkit: 52 morph-target float curves -> keys;
plus, separately, encoding the plan for a remote push (JSON + zlib + base64).

Usage: python bench/bench_unreal_keys.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from talkrig.pipeline import GenerateOptions, generate
from talkrig.unreal.keys import KeyOptions, build_plan, encode_plan

TAKE_S = 60.0
TARGET_MS = 50.0  # issue 6: 60 s take -> per-control key arrays
SHARED = Path(os.environ.get("TALKRIG_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SPEECH = SHARED / "data/speech-dev/mfa/wav/acoustic_corpus.wav"


def minute_take():
    take = generate(SPEECH, GenerateOptions(emotion="happy:0.6"))
    n = int(TAKE_S * take.fps)
    reps = -(-n // take.n_frames)  # ceil
    return take.replace(values=np.tile(take.values, (reps, 1))[:n], head_pose=None,
                        eye_rotation=None)


def best_ms(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    take = minute_take()
    print(f"take: {take.n_frames} frames at {take.fps:g} fps, {len(take.channels)} channels "
          f"(real speech tiled to {TAKE_S:g} s)")
    for target in ("metahuman", "arkit"):
        options = KeyOptions(target=target)
        build_plan(take, options)  # warm caches (rig files)
        best, median = best_ms(lambda: build_plan(take, options), args.repeats)
        plan = build_plan(take, options)
        keys = sum(len(c.ticks) for c in plan.channels)
        print(f"{target:9s}: {len(plan.channels)} channels, {keys} keys: best {best:.1f} ms, "
              f"median {median:.1f} ms = {median / TARGET_MS:.2f} x the {TARGET_MS:g} ms target")
        _, enc_median = best_ms(lambda: encode_plan(plan.to_json()), max(3, args.repeats // 4))
        size = len(encode_plan(plan.to_json()))
        print(f"{'':9s}  push encoding (JSON+zlib+base64, {size / 1e6:.2f} MB): "
              f"median {enc_median:.0f} ms")


if __name__ == "__main__":
    main()
