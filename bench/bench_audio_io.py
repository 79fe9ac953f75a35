"""Audio loading and take writing speed, as ratios to the audio's duration.

Prints, for one minute of 48 kHz stereo 16-bit audio:
- load + mix-down + resample to 16 kHz: seconds of compute per second of audio
  (and its inverse, "x real time");
- writing a 60 fps ARKit take of that minute in each format;
and, with --hour, the peak memory of loading one hour of 48 kHz stereo audio as a
multiple of the file's size (run in a child process so the figure is its own).

Usage: python bench/bench_audio_io.py [--hour]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

AUDIO_S = 60.0
RATE = 48_000
FPS = 60.0
REPEATS = 5


def make_wav(path: Path, seconds: float) -> Path:
    """48 kHz stereo PCM-16 noise-modulated tones, written in blocks."""
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", RATE, 2, "PCM_16") as handle:
        block = RATE * 10
        for start in range(0, int(seconds * RATE), block):
            n = min(block, int(seconds * RATE) - start)
            t = (start + np.arange(n)) / RATE
            x = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
            x = x + 0.02 * rng.normal(size=n)
            handle.write(np.stack([x, 0.8 * x], axis=1).astype(np.float32))
    return path


def best_of(fn, repeats=REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_minute(folder: Path) -> None:
    from talkrig.audio import load_audio
    from talkrig.formats import write_take
    from talkrig.rigs import ARKIT52
    from talkrig.take import Take

    wav = make_wav(folder / "minute.wav", AUDIO_S)
    load_s = best_of(lambda: load_audio(wav))
    print(f"load+resample 60 s 48 kHz stereo: {load_s * 1000:7.1f} ms  "
          f"ratio {load_s / AUDIO_S:.5f} of audio duration  ({AUDIO_S / load_s:,.0f}x real time)")
    frames = int(AUDIO_S * FPS)
    rng = np.random.default_rng(1)
    take = Take(fps=FPS, channels=ARKIT52, values=rng.random((frames, 52)),
                head_pose=rng.normal(size=(frames, 3)) * 0.05,
                eye_rotation=rng.normal(size=(frames, 6)) * 0.05)
    for suffix in (".take.json", ".npz", ".csv", ".controls.csv"):
        out = folder / f"take{suffix}"
        seconds = best_of(lambda: write_take(take, out, force=True))
        print(f"write {suffix:<14} {frames} frames: {seconds * 1000:7.1f} ms  "
              f"ratio {seconds / AUDIO_S:.5f}  ({AUDIO_S / seconds:,.0f}x real time)  "
              f"{out.stat().st_size / 1e6:.1f} MB")


def bench_hour(folder: Path) -> None:
    wav = make_wav(folder / "hour.wav", 3600.0)
    size_mb = wav.stat().st_size / 1e6
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
            "from memory import peak_resident_mb; from talkrig.audio import load_audio;"
            "base = peak_resident_mb();"
            f"a = load_audio({str(wav)!r});"
            "print(base, peak_resident_mb(), a.duration_s)")
    t0 = time.perf_counter()
    base_mb, peak_mb, duration = map(float, subprocess.check_output(
        [sys.executable, "-c", code], text=True).split())
    elapsed = time.perf_counter() - t0
    print(f"load 1 h 48 kHz stereo ({size_mb:.0f} MB file): peak RSS {peak_mb:.0f} MB "
          f"({peak_mb - base_mb:.0f} MB above interpreter start) = "
          f"{(peak_mb - base_mb) / size_mb:.2f}x file size; {elapsed:.1f} s "
          f"({duration / elapsed:,.0f}x real time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hour", action="store_true", help="also measure one hour's memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_minute(Path(tmp))
        if args.hour:
            bench_hour(Path(tmp))


if __name__ == "__main__":
    main()
