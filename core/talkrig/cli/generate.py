"""``talkrig generate``: audio (+ transcript, emotion) -> take file."""

from __future__ import annotations

import sys
from pathlib import Path

from talkrig.cli.common import (PROGRESS_MIN_AUDIO_S, add_check_text, add_model,
                                add_phones_only, progress_bar, subparser, warn)


def add_parser(subparsers) -> None:
    from talkrig.engines import DEFAULT_ENGINE, ENGINES

    p = subparser(subparsers, "generate", "Animate a speech file: write curves to OUT "
                  "(.take.json, .npz, .csv = Live Link Face for ARKit, .controls.csv).", run)
    p.add_argument("audio", metavar="AUDIO",
                   help="speech file: wav, flac, ogg, mp3, opus; m4a, aac and video files "
                        "through ffmpeg when installed")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output take; the format follows the extension")
    text = p.add_mutually_exclusive_group()
    text.add_argument("--text", help="transcript of the speech (default: AUDIO.txt/.lab "
                      "beside the audio if present)")
    text.add_argument("--text-file", metavar="F", help="file holding the transcript")
    text.add_argument("--no-text", action="store_true",
                      help="use no transcript, not even AUDIO.txt/.lab (speech recognition)")
    add_check_text(p)
    add_phones_only(p)
    p.add_argument("--emotion", default="neutral",
                   help="'happy', 'happy:0.7', a timeline 'neutral@0,happy:0.8@1.5', "
                        "or a JSON track file")
    p.add_argument("--emotion-transition", type=float, default=0.4, metavar="S",
                   help="seconds to blend between timeline emotions")
    p.add_argument("--rig", default="arkit52", help="target rig: arkit52, metahuman or flame")
    p.add_argument("--flame-map", metavar="FILE",
                   help="ARKit->FLAME matrix (.npz/.json), needed for --rig flame")
    p.add_argument("--fps", type=float, default=60.0, help="output frame rate")
    p.add_argument("--engine", default=DEFAULT_ENGINE,
                   help=f"animation engine: {', '.join(ENGINES)}")
    add_model(p)
    p.add_argument("--seed", type=int, default=0, help="seed for blinks, gaze, head motion")
    p.add_argument("--no-blinks", action="store_true", help="do not add blinks")
    p.add_argument("--blink-rate", type=float, default=1.0,
                   help="multiplier on the speaking blink rate (about 34/min)")
    p.add_argument("--no-gaze", action="store_true", help="do not add gaze saccades")
    p.add_argument("--head-motion", action="store_true",
                   help="add subtle head motion following speech energy")
    p.add_argument("--smoothing", type=float, default=0.05, metavar="S",
                   help="Savitzky-Golay smoothing window in seconds (0 = off)")
    p.add_argument("--max-duration", type=float, default=3600.0, metavar="S",
                   help="refuse audio longer than this many seconds")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def options_from_args(args):
    """GenerateOptions for parsed ``generate``-style arguments."""
    from talkrig.audio import AudioOptions
    from talkrig.motion import MotionOptions
    from talkrig.pipeline import GenerateOptions

    motion = MotionOptions(smoothing_s=args.smoothing, blinks=not args.no_blinks,
                           blink_rate=args.blink_rate, gaze=not args.no_gaze,
                           head_motion=args.head_motion, seed=args.seed)
    return GenerateOptions(engine=args.engine, model=args.model, emotion=args.emotion,
                           emotion_transition_s=args.emotion_transition, fps=args.fps,
                           rig=args.rig, flame_map=args.flame_map, text=read_text(args),
                           use_sidecar_text=not args.no_text,
                           hear_words=not args.phones_only, check_text=args.check_text,
                           motion=motion,
                           audio=AudioOptions(max_duration_s=args.max_duration))


def transcript_source(args, provenance) -> str:
    """Which words ``generate`` animated from, for its summary line.

    A transcript the engine set aside is named as such, so the summary does not
    contradict its warning; without one, the words the engine heard are quoted.
    """
    from talkrig.phones.transcript import find_sidecar

    recognition = provenance.animated_from()
    if args.text is not None:
        given = "--text"
    else:
        sidecar = None if args.no_text else find_sidecar(args.audio)
        found = args.text_file or sidecar
        if not found:
            return f"no transcript, {recognition}"
        given = Path(found).name
    if provenance.text is not None:
        return f"transcript from {given}"
    return f"transcript from {given} set aside: {recognition}"


def read_text(args) -> str | None:
    from talkrig.errors import TalkRigError
    from talkrig.phones.transcript import looks_like_file_name

    if args.text_file is None:
        if args.text is not None and looks_like_file_name(args.text):
            raise TalkRigError(f"'{args.text.strip()}' looks like a file name: give the "
                               f"words to --text, or the file to --text-file", "--text")
        return args.text
    try:
        return Path(args.text_file).read_text("utf-8").strip()
    except FileNotFoundError:
        raise TalkRigError("transcript file not found", args.text_file) from None
    except (OSError, UnicodeDecodeError):
        raise TalkRigError("transcript file is not readable UTF-8 text", args.text_file) from None


def run(args) -> int:
    from talkrig.atomic import check_writable
    from talkrig.engines import TRANSCRIPT_ENGINES
    from talkrig.audio import load_audio
    from talkrig.formats import format_of, write_take
    from talkrig.pipeline import generate_noting

    format_of(args.output)
    check_writable(args.output, force=args.force)
    options = options_from_args(args)
    if options.text is not None and options.engine not in TRANSCRIPT_ENGINES:
        flag = "--text" if args.text is not None else "--text-file"
        warn(f"{flag}: the {options.engine} engine does not use a transcript "
             f"(the phonetic engine does)")
    audio = load_audio(args.audio, options.audio)
    for note in audio.warnings:
        warn(f"{args.audio}: {note}")
    show = not args.quiet and audio.duration_s > PROGRESS_MIN_AUDIO_S and sys.stderr.isatty()
    with progress_bar(f"animating {Path(args.audio).name}", show) as progress:
        take, notes = generate_noting(args.audio, options, progress=progress, audio=audio)
    for note in notes:  # said after the bar, naming the file
        warn(f"{args.audio}: {note}")
    write_take(take, args.output, force=args.force)
    if not args.quiet:
        engine = take.provenance.engine
        if engine in TRANSCRIPT_ENGINES:
            engine += f" ({transcript_source(args, take.provenance)})"
        print(f"wrote {args.output}: {take.n_frames} frames at {take.fps:g} fps, "
              f"{len(take.channels)} {take.rig} channels, engine {engine}")
    return 0
