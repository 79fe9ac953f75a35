"""``talkrig batch`` throughput: 200 dialogue lines on every core, in lines per second.

Builds a manifest of 200 lines from the real short utterances in
../shared/data/speech-dev (1-12 s each, cycled, emotions varied), runs the batch into a
temporary folder with one worker per CPU core, and prints lines per second, seconds of
audio animated per second, and the speed-up over one worker (measured on the first
``--scaling-lines`` lines, so the comparison stays short).

Lines whose clip has a transcript beside it (``lab/``) are aligned; the others, with
the phonetic engine, are animated from the words Whisper hears (``--phones-only``:
recognised phones, as before engine 1.3).

Usage: python bench/bench_batch.py [--lines 200] [--scaling-lines 40] [--engine NAME]
       [--phones-only]
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from pathlib import Path

import soundfile as sf

from talkrig.batch import BatchOptions, run_batch
from talkrig.pipeline import GenerateOptions

SHARED = Path(os.environ.get("TALKRIG_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SPEECH = SHARED / "data/speech-dev/mfa/wav"
MAX_LINE_S = 12.0  # game dialogue lines are short
EMOTIONS = ("neutral", "happy:0.8", "sad:0.6", "angry:0.7", "surprised:0.5", "fearful:0.4")


def dialogue_files() -> list[Path]:
    return [p for p in sorted(SPEECH.iterdir())
            if p.suffix in (".wav", ".flac") and sf.info(p).duration <= MAX_LINE_S]


def write_manifest(path: Path, n_lines: int) -> float:
    """A manifest of ``n_lines`` lines; returns their total audio seconds."""
    files = dialogue_files()
    total = 0.0
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["audio", "emotion", "character", "sequence"])
        for i in range(n_lines):
            audio = files[i % len(files)]
            total += sf.info(audio).duration
            writer.writerow([audio, EMOTIONS[i % len(EMOTIONS)], "BP_Hero",
                             f"/Game/Dialogue/LS_line_{i + 1:04d}"])
    return total


def run(manifest: Path, workers: int, audio_s: float, generate: GenerateOptions) -> float:
    with tempfile.TemporaryDirectory() as out:
        report = run_batch(manifest, out, BatchOptions(workers=workers, generate=generate))
    failed = report.count("failed")
    used = report.processes_used
    print(f"  {report.summary()}; {used} process{'es' if used != 1 else ''} did work; "
          f"{audio_s / report.seconds:.1f} s of audio per second"
          + (f"; {failed} FAILED" if failed else ""))
    return report.lines_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--scaling-lines", type=int, default=40)
    parser.add_argument("--engine", default=GenerateOptions().engine, help="generate engine")
    parser.add_argument("--phones-only", action="store_true",
                        help="phonetic engine: recognise phones instead of hearing words")
    args = parser.parse_args()
    generate = GenerateOptions(engine=args.engine, hear_words=not args.phones_only)
    from talkrig.pipeline import generate as animate

    animate(dialogue_files()[0], generate)  # warm-up: lazy imports, model loading
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        full, small = Path(tmp, "full.csv"), Path(tmp, "small.csv")
        audio_s = write_manifest(full, args.lines)
        print(f"{args.lines} lines, {audio_s:.0f} s of audio, {cores} CPU cores, "
              f"engine {args.engine}" + (", phones only" if args.phones_only else ""))
        rate = run(full, 0, audio_s, generate)
        print(f"batch, every core: {rate:.2f} lines/s")
        small_s = write_manifest(small, args.scaling_lines)
        print(f"scaling on {args.scaling_lines} lines:")
        one = run(small, 1, small_s, generate)
        many = run(small, 0, small_s, generate)
        print(f"speed-up with {cores} workers over 1: {many / one:.2f}x")


if __name__ == "__main__":
    main()
