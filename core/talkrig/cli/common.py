"""Helpers shared by subcommands: parser construction, warnings, progress bars."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager

PROGRESS_MIN_AUDIO_S = 20.0  # show a progress bar for audio longer than this


def subparser(subparsers, name: str, help_text: str, run) -> argparse.ArgumentParser:
    """A subcommand parser with defaults shown in its help."""
    from talkrig.cli.main import HelpFormatter

    parser = subparsers.add_parser(name, help=help_text, description=help_text,
                                   formatter_class=HelpFormatter)
    parser.set_defaults(run=run)
    return parser


def add_check_text(parser: argparse.ArgumentParser) -> None:
    """The ``--check-text`` flag of ``generate`` and ``batch``."""
    parser.add_argument("--check-text", action="store_true",
                        help="phonetic engine, with a transcript: also hear the words (asr "
                             "extra) and warn when they differ from it, e.g. another "
                             "line's transcript (slower: Whisper hears every line)")


def add_phones_only(parser: argparse.ArgumentParser) -> None:
    """The ``--phones-only`` flag of ``generate``, ``batch`` and ``eval``."""
    parser.add_argument("--phones-only", action="store_true",
                        help="phonetic engine without a transcript: recognise phones "
                             "instead of aligning the words Whisper hears (2-4x faster, "
                             "much less accurate lips; always so without the asr extra)")


def add_model(parser: argparse.ArgumentParser) -> None:
    """The ``--model`` option of ``generate``, ``batch`` and ``eval``."""
    parser.add_argument("--model", metavar="FILE",
                        help="ONNX model for --engine neural (default: $TALKRIG_NEURAL_MODEL, "
                             "else the shipped model) or for --engine neural-whisper (a head; "
                             "default: the shipped one)")


def warn(message: str) -> None:
    """One warning line on stderr."""
    print(f"talkrig: warning: {message}", file=sys.stderr)


@contextmanager
def progress_bar(label: str, enabled: bool = True):
    """Yield a ``progress(fraction)`` callable drawing a tqdm bar on stderr."""
    if not enabled:
        yield lambda fraction: None
        return
    from tqdm import tqdm

    bar = tqdm(total=100, desc=label, unit="%", file=sys.stderr, leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")
    done = [0]

    def progress(fraction: float) -> None:
        target = int(round(min(max(fraction, 0.0), 1.0) * 100))
        if target > done[0]:
            bar.update(target - done[0])
            done[0] = target

    try:
        yield progress
    finally:
        bar.close()
