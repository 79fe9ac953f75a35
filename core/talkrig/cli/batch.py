"""``talkrig batch``: animate every line of a manifest CSV or an audio folder, on every core."""

from __future__ import annotations

import sys

from talkrig.cli.common import add_check_text, add_model, add_phones_only, subparser, warn


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "batch", "Generate one take per dialogue line of a CSV manifest "
                  "(columns: audio, transcript (words or a .txt/.lab file), emotion, "
                  "character, sequence) or per audio file of a folder, using every CPU core. "
                  "Re-running skips finished lines; a failing line is reported and never "
                  "stops the others.", run)
    p.add_argument("source", metavar="MANIFEST_OR_FOLDER", help="manifest .csv or audio folder")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                   help="folder for the takes and batch_report.csv/.json (created if missing)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="worker processes (0: one per CPU core)")
    p.add_argument("--format", default=".take.json", dest="take_format",
                   choices=(".take.json", ".npz", ".csv", ".controls.csv"),
                   help="take file format")
    p.add_argument("--emotion", default="neutral",
                   help="emotion for lines whose manifest emotion is empty")
    p.add_argument("--engine", default=None, help="engine (default: the generate default)")
    add_model(p)
    add_check_text(p)
    p.add_argument("--check-every", type=int, default=20, metavar="N",
                   help="phonetic engine: also hear the first line that has a transcript "
                        "and every Nth after it, and warn when its words differ (a "
                        "manifest shifted by a row), at about 1/N of --check-text's "
                        "cost; 0 = none")
    add_phones_only(p)
    p.add_argument("--rig", default="arkit52", help="target rig: arkit52, metahuman or flame")
    p.add_argument("--fps", type=float, default=60.0, help="output frame rate")
    p.add_argument("--seed", type=int, default=0, help="seed for blinks, gaze, head motion")
    p.add_argument("--force", action="store_true",
                   help="redo finished lines and replace takes this batch did not make")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")


def run(args) -> int:
    import dataclasses

    from talkrig.batch import BatchOptions, run_batch
    from talkrig.motion import MotionOptions
    from talkrig.pipeline import GenerateOptions

    template = GenerateOptions(emotion=args.emotion, rig=args.rig, fps=args.fps,
                               model=args.model, motion=MotionOptions(seed=args.seed),
                               hear_words=not args.phones_only, check_text=args.check_text)
    if args.engine:
        template = dataclasses.replace(template, engine=args.engine)
    options = BatchOptions(workers=args.workers, take_format=args.take_format,
                           force=args.force, generate=template,
                           check_every=max(0, args.check_every))

    def progress(result, done, total) -> None:
        if result.status == "failed":
            print(f"talkrig: error: line {result.number}: {result.error}", file=sys.stderr)
        elif not args.quiet:
            print(f"[{done}/{total}] {result.status}: {result.take}")
            if result.warnings:
                warn(f"line {result.number}: {result.warnings}")

    report = run_batch(args.source, args.output, options, progress)
    print(report.summary())
    return 1 if report.count("failed") else 0
