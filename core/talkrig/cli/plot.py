"""``talkrig plot``: draw a take to a PNG."""

from __future__ import annotations

from pathlib import Path

from talkrig.cli.common import subparser


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "plot", "Draw a take: waveform, mouth, brow and eye channels "
                  "over time, emotion track.", run)
    p.add_argument("take", metavar="TAKE", help="take file")
    p.add_argument("-o", "--output", required=True, metavar="PNG", help="picture to write")
    p.add_argument("--audio", help="audio to draw (default: the take's own audio path)")
    p.add_argument("--force", action="store_true", help="overwrite PNG if it exists")


def run(args) -> int:
    from talkrig.atomic import check_writable
    from talkrig.errors import TalkRigError
    from talkrig.formats import read_take

    check_writable(args.output, force=args.force)
    take = read_take(args.take)
    if args.audio is not None and not Path(args.audio).is_file():
        raise TalkRigError("audio file not found", args.audio)
    try:
        from talkrig.plot import plot_take
        import matplotlib  # noqa: F401
    except ImportError:
        raise TalkRigError("plotting needs matplotlib: pip install 'talkrig[plot]'",
                           "talkrig plot") from None
    plot_take(take, args.output, audio_path=args.audio, force=args.force)
    print(f"wrote {args.output}")
    return 0
