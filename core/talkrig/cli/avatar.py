"""``talkrig avatar``: neural talking-head video of a person (READ Avatars style).

    talkrig avatar train VIDEO -o avatar/          track the video, train the renderer
    talkrig avatar render avatar/ AUDIO -o out.mp4 audio (+ emotion) -> video with sound
    talkrig avatar compare avatar/ -o cmp.mp4      reference | reconstruction side by side
"""

from __future__ import annotations

import sys
from pathlib import Path

from talkrig.cli.common import subparser

DEFAULT_SIZE = 64  # CPU-friendly; 128-256 with --device cuda


def add_parser(subparsers) -> None:
    p = subparser(subparsers, "avatar", "Photoreal talking-head video: train an avatar on a "
                  "video of a person, render it from audio.", lambda args: _usage(p))
    sub = p.add_subparsers(dest="avatar_command", metavar="{train,render,compare}")
    _add_train(sub)
    _add_render(sub)
    _add_compare(sub)


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_train(sub) -> None:
    t = subparser(sub, "train", "Track VIDEO with the ICT head and train the neural texture "
                  "and UNet renderer (resumable: rerun to continue).", run_train)
    t.add_argument("video", metavar="VIDEO", help="video of one person talking, face frontal")
    t.add_argument("-o", "--output", required=True, metavar="DIR", help="avatar folder")
    t.add_argument("--size", type=int, default=DEFAULT_SIZE, help="resolution (multiple of 8)")
    t.add_argument("--steps", type=int, default=300, help="renderer training steps (total)")
    t.add_argument("--every", type=int, default=2, help="use every n-th video frame")
    t.add_argument("--max-frames", type=int, default=None, help="cap on frames used")
    t.add_argument("--crop", default=None, metavar="X,Y,SIZE",
                   help="square face crop in source pixels (default: centred square)")
    t.add_argument("--key-iters", type=int, default=120, help="tracking: joint key-frame steps")
    t.add_argument("--track-iters", type=int, default=20, help="tracking: steps per frame")
    t.add_argument("--no-landmarks", dest="landmarks", action="store_false",
                   help="track by colour only (skip the face-landmark network)")
    t.add_argument("--identity", action="store_true",
                   help="also fit the person's face shape (experimental; see docs/render.md)")
    t.add_argument("--device", default="cpu", help="torch device: cpu or cuda")
    t.add_argument("--threads", type=int, default=1, help="torch CPU threads")


def _add_render(sub) -> None:
    r = subparser(sub, "render", "Animate a trained avatar from AUDIO through the normal "
                  "engines; writes H.264 mp4 with the audio.", run_render)
    r.add_argument("avatar", metavar="AVATAR", help="folder made by `talkrig avatar train`")
    r.add_argument("audio", metavar="AUDIO", help="speech file")
    r.add_argument("-o", "--output", required=True, metavar="MP4", help="video to write")
    r.add_argument("--emotion", default=None, help="emotion spec, e.g. happy:0.7")
    r.add_argument("--engine", default=None, help="curve engine (default: TalkRig's default)")
    r.add_argument("--device", default="cpu", help="torch device: cpu or cuda")
    r.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    r.add_argument("--force", action="store_true", help="overwrite MP4 if it exists")


def _add_compare(sub) -> None:
    c = subparser(sub, "compare", "Side-by-side review video: tracked footage | "
                  "reconstruction.", run_compare)
    c.add_argument("avatar", metavar="AVATAR", help="trained avatar folder")
    c.add_argument("-o", "--output", required=True, metavar="MP4", help="video to write")
    c.add_argument("--force", action="store_true", help="overwrite MP4 if it exists")


def _torch(threads: int, device: str = "cpu"):
    """Import torch, set its CPU threads, and check that ``device`` exists here."""
    from talkrig.errors import TalkRigError
    try:
        import torch
    except ImportError:
        raise TalkRigError("avatars need torch: pip install 'talkrig[train,video]'",
                           "talkrig avatar") from None
    torch.set_num_threads(max(1, threads))
    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise TalkRigError(f"unknown torch device {device!r} (use cpu or cuda)", "--device") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise TalkRigError("no CUDA device here (this torch build sees none); use --device cpu",
                           "--device")


def _parse_crop(text):
    from talkrig.errors import TalkRigError
    if text is None:
        return None
    try:
        x, y, s = (int(v) for v in text.split(","))
    except ValueError:
        raise TalkRigError(f"--crop must be X,Y,SIZE integers, got {text!r}", "--crop") from None
    return (x, y, s)


def run_train(args) -> int:
    from talkrig.cli.common import progress_bar
    from talkrig.errors import TalkRigError
    if args.size % 8 or args.size < 32:
        raise TalkRigError(f"--size must be a multiple of 8, at least 32, got {args.size}",
                           "--size")
    _torch(args.threads, args.device)  # before the torch modules below
    from talkrig.render.track import TrackOptions
    from talkrig.render.train import AvatarOptions, train
    if not (Path(args.output) / "track.npz").is_file():  # a fresh avatar needs a video
        from talkrig.render.video import probe, square_crop
        square_crop(probe(args.video), _parse_crop(args.crop), args.video)
    opts = AvatarOptions(size=args.size, steps=args.steps, every=args.every,
                         max_frames=args.max_frames, crop=_parse_crop(args.crop),
                         device=args.device, landmarks=args.landmarks,
                         track=TrackOptions(fit_identity=args.identity, key_iters=args.key_iters,
                                            frame_iters=args.track_iters))
    with progress_bar("avatar") as bar:
        metrics = train(args.video, args.output, opts, progress=lambda s, f: bar(f))
    landmarks = (f", landmark NME {metrics['track_landmark_nme']:.3f}"
                 if "track_landmark_nme" in metrics else "")
    print(f"wrote {args.output}: held-out PSNR {metrics['held_out_psnr']:.2f} dB, "
          f"SSIM {metrics['held_out_ssim']:.3f}{landmarks}")
    return 0


def run_render(args) -> int:
    from talkrig.cli.common import progress_bar
    from talkrig.atomic import check_writable
    from talkrig.render.infer import RenderOptions, check_avatar, render
    from talkrig.audio import check_audio_path
    check_avatar(args.avatar)  # fail before any progress bar is drawn
    check_audio_path(args.audio)
    check_writable(args.output, force=args.force)
    _torch(args.threads, args.device)
    with progress_bar("render") as bar:
        render(args.avatar, args.audio, args.output,
               RenderOptions(emotion=args.emotion, engine=args.engine, force=args.force,
                             device=args.device), progress=bar)
    print(f"wrote {args.output}")
    return 0


def run_compare(args) -> int:
    from talkrig.render.infer import compare
    _torch(1)
    compare(args.avatar, args.output, force=args.force)
    print(f"wrote {args.output}")
    return 0
