"""``talkrig``: one command, one subcommand per module in this package.

Each subcommand module has ``add_parser(subparsers)`` and ``run(args) -> int`` and
imports nothing heavy at module level, so ``talkrig --help`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import sys
import warnings

from talkrig import __version__
from talkrig.errors import TalkRigError

# Subcommand modules in help order; a module not in this install is skipped.
SUBCOMMANDS = ("generate", "info", "convert", "plot", "eval", "batch", "unreal",
               "preview", "avatar")
EXIT_USER_ERROR = 2  # bad input, missing file, refused overwrite
EXIT_INTERRUPTED = 130  # Ctrl-C


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line, without the usage block."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"talkrig: error: {self.prog}: {message} "
                                   f"(see '{self.prog} --help')\n")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                    argparse.RawDescriptionHelpFormatter):
    """Shows defaults and keeps description line breaks; on/off flags show none
    (their default is the flag being absent, and "default: True" on a ``--no-x``
    flag reads backwards), nor do options whose default is None or already described."""

    def _get_help_string(self, action):
        help_text = action.help or ""
        if action.nargs == 0 or action.default is None or "default" in help_text:
            return help_text  # flags, options without a default, or defaults already said
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="talkrig", formatter_class=HelpFormatter,
        description="Speech audio + emotion -> facial animation curves "
                    "(ARKit-52, MetaHuman, FLAME).")
    parser.add_argument("--version", action="version", version=f"talkrig {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module_name = f"talkrig.cli.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    """Python warnings (e.g. an engine's alignment fallback) as one CLI line, on a line
    of its own even while a progress bar is drawn (tqdm.write clears and redraws it)."""
    text = f"talkrig: warning: {message}"
    if "tqdm" in sys.modules and file is None:
        sys.modules["tqdm"].tqdm.write(text, file=sys.stderr)
    else:
        print(text, file=file or sys.stderr)


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _one_line_warning
    logging.getLogger("talkrig").addHandler(logging.NullHandler())  # warnings say it once
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(args.run(args) or 0)
    except TalkRigError as exc:
        print(f"talkrig: error: {exc.message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("talkrig: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `talkrig info ... | head`: the reader left, nothing is wrong
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit's flush of stdout is quiet too
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
