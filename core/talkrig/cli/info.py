"""``talkrig info``: what a take holds."""

from __future__ import annotations

from talkrig.cli.common import subparser

# Provenance.phones (talkrig.take.PHONE_SOURCES) -> how talkrig info says it
PHONE_SOURCE_TEXT = {"aligned": "aligned to the transcript", "heard": "words heard, aligned",
                     "recognised": "recognised one by one", "silent": "none: the audio is silent"}


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "info", "Describe a take file: rate, length, channels, "
                  "provenance and per-channel ranges.", run)
    p.add_argument("take", metavar="TAKE", help="take file (.take.json, .npz, .csv, "
                   ".controls.csv)")
    p.add_argument("--channels", action="store_true",
                   help="list every channel with its min/mean/max")


def describe(take) -> list[str]:
    """Summary lines for a take."""
    from talkrig.phones.transcript import excerpt

    prov = take.provenance
    lines = [f"rig:        {take.rig} ({len(take.channels)} channels)",
             f"frames:     {take.n_frames} at {take.fps:g} fps ({take.duration_s:.3f} s)",
             f"engine:     {prov.engine} {prov.model_version} (seed {prov.seed}, "
             f"talkrig {prov.talkrig_version or '?'})"]
    if take.audio:
        lines.append(f"audio:      {take.audio.path} ({take.audio.duration_s:.3f} s, "
                     f"sha256 {take.audio.sha256[:12]}...)")
    if take.emotion:
        from talkrig.emotion import track_from_json

        lines.append(f"emotion:    {track_from_json(take.emotion, 'take').describe()}")
    for label, words in (("transcript:", prov.text), ("heard:     ", prov.heard)):
        if words:
            lines.append(f"{label} {excerpt(words, 70)}")
    if prov.phones:
        lines.append(f"phones:     {PHONE_SOURCE_TEXT.get(prov.phones, prov.phones)}")
    lines.append(f"head pose:  {'yes' if take.head_pose is not None else 'no'}; "
                 f"eye rotation: {'yes' if take.eye_rotation is not None else 'no'}")
    active = (take.values.max(axis=0) - take.values.min(axis=0)) > 1e-3
    lines.append(f"moving:     {int(active.sum())} of {len(take.channels)} channels")
    return lines


def run(args) -> int:
    from talkrig.formats import read_take

    take = read_take(args.take)
    print(f"{args.take}")
    for line in describe(take):
        print("  " + line)
    if args.channels:
        width = max(len(c) for c in take.channels)
        for i, name in enumerate(take.channels):
            col = take.values[:, i]
            print(f"  {name:<{width}}  min {col.min():7.3f}  mean {col.mean():7.3f}  "
                  f"max {col.max():7.3f}")
    return 0
