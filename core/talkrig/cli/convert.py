"""``talkrig convert``: one take format to another."""

from __future__ import annotations

from talkrig.cli.common import subparser


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "convert", "Convert a take between formats (by extension), "
                  "optionally retargeting ARKit curves to another rig.", run)
    p.add_argument("input", metavar="IN", help="take file to read")
    p.add_argument("output", metavar="OUT", help="take file to write")
    p.add_argument("--rig", help="retarget an ARKit take to this rig: arkit52, metahuman "
                   "or flame (default: keep the rig)")
    p.add_argument("--flame-map", metavar="FILE", help="ARKit->FLAME matrix for --rig flame")
    p.add_argument("--fps", type=float,
                   help="frame rate of a Live Link CSV input (default: inferred from timecodes)")
    p.add_argument("--to-fps", type=float, metavar="FPS",
                   help="resample the take to this frame rate (default: keep it)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")


def run(args) -> int:
    from talkrig.atomic import check_writable
    from talkrig.errors import TalkRigError
    from talkrig.formats import format_of, read_take, write_take
    from talkrig.retarget import retarget_curves
    from talkrig.rigs import ARKIT52

    format_of(args.output)
    check_writable(args.output, force=args.force)
    take = read_input(args)
    if args.to_fps is not None:
        from talkrig.pipeline import check_fps

        take = take.at_fps(check_fps(args.to_fps, "--to-fps"))
    if args.rig and args.rig != take.rig:
        if take.rig != "arkit52":
            raise TalkRigError(f"can only retarget ARKit takes, this one is {take.rig}",
                               args.input)
        missing = [c for c in ARKIT52 if c not in take.channels]
        if missing:
            raise TalkRigError(f"an ARKit take needs all 52 ARKit channels to retarget; "
                               f"{len(missing)} are missing ({', '.join(missing[:3])}...)",
                               args.input)
        values = take.values[:, [take.channels.index(c) for c in ARKIT52]]
        channels, out = retarget_curves(values, args.rig, args.flame_map)
        take = take.replace(channels=channels, values=out, rig=args.rig)
    write_take(take, args.output, force=args.force)
    print(f"wrote {args.output}: {take.n_frames} frames at {take.fps:g} fps, "
          f"{len(take.channels)} channels")
    return 0


def read_input(args):
    from talkrig.formats import format_of, read_take

    if args.fps is not None:
        from talkrig.errors import TalkRigError
        from talkrig.formats.livelink_csv import is_livelink_csv, read_livelink_csv
        from talkrig.pipeline import check_fps

        fps = check_fps(args.fps, "--fps")
        if format_of(args.input) == "csv" and is_livelink_csv(args.input):
            return read_livelink_csv(args.input, fps=fps)
        raise TalkRigError("only a Live Link CSV input needs its frame rate "
                           "(--to-fps resamples a take)", "--fps")
    return read_take(args.input)
