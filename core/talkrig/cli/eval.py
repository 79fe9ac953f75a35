"""``talkrig eval``: lip-sync metrics of an engine on annotated speech."""

from __future__ import annotations

import sys

from talkrig.cli.common import add_model, add_phones_only, progress_bar, subparser

DEFAULT_ENGINE = "phonetic"


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "eval", "Evaluate an engine on a folder of speech with phone "
                  "annotations (TextGrid phone tiers or TIMIT .phn): bilabial closure, "
                  "open/bilabial and rounded/spread AUC, lag, rest; with an energy-only "
                  "baseline.", run)
    p.add_argument("folder", metavar="FOLDER", help="folder with audio and annotations "
                   "(searched recursively; transcripts from .lab/.txt with the same stem)")
    p.add_argument("--engine", default=DEFAULT_ENGINE, help="engine to evaluate")
    add_model(p)
    p.add_argument("--with-text", dest="with_text", action="store_true", default=False,
                   help="give the engine each utterance's transcript (forced alignment)")
    p.add_argument("--no-text", dest="with_text", action="store_false",
                   help="give no transcript (words heard, else phone recognition)")
    add_phones_only(p)
    p.add_argument("--fps", type=float, default=60.0, help="frame rate asked of the engine")
    p.add_argument("--no-baseline", dest="baseline", action="store_false", default=True,
                   help="skip the energy-only baseline")
    p.add_argument("-o", "--output", metavar="REPORT.json", default=None,
                   help="write the full report as JSON")
    p.add_argument("--force", action="store_true", help="overwrite an existing report")


def run(args) -> int:
    import json

    from talkrig.atomic import atomic_open, check_writable
    from talkrig.evaluation import evaluate_folder, format_table
    from talkrig.pipeline import make_engine

    if args.output:
        check_writable(args.output, force=args.force)
    options = {"hear_words": False} if args.phones_only and args.engine == "phonetic" else {}
    engine = make_engine(args.engine, args.model, **options)
    with progress_bar(f"evaluating {args.engine}", sys.stderr.isatty()) as progress:
        report = evaluate_folder(args.folder, engine.animate, args.with_text, fps=args.fps,
                                 baseline=args.baseline, progress=progress,
                                 engine_name=f"{engine.name} {engine.version}")
    print(format_table(report))
    if args.output:
        with atomic_open(args.output, "w", force=args.force, encoding="utf-8") as handle:
            json.dump(report, handle, indent=1, allow_nan=True)
        print(f"report: {args.output}")
    return 0
