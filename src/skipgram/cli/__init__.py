"""Command-line interface: a thin shell over the library.

Each subcommand lives in its own module under ``skipgram.cli`` and exposes two functions:
``add_parser(subparsers)``, which registers its arguments, and ``run(args) -> int``, which makes one or two
library calls and prints the result. :func:`main` turns every :class:`~skipgram.errors.SkipgramError`,
``OSError`` and ``KeyError`` into one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from ..errors import SkipgramError

# Subcommand modules, in the order ``skipgram --help`` lists them.
COMMAND_MODULES = (
    "train",
    "phrases",
    "similar",
    "analogy",
    "evaluate",
    "convert",
    "plot",
    "query",
    "demo",
)

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def _load_commands() -> list:
    modules = []
    for name in COMMAND_MODULES:
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            # A command whose module is not written yet is simply absent; any other missing module is a bug.
            if exc.name != f"{__name__}.{name}":
                raise
    return modules


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus where to get help), not the whole usage block."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(
        prog="skipgram",
        description="Train, query, evaluate and export word2vec skip-gram embeddings.",
    )
    parser.add_argument("--version", action="version", version=f"skipgram {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _load_commands():
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code (0 on success)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    quiet_rank = os.environ.get("RANK", "0") != "0"  # under torchrun, rank 0 speaks for all
    logging.basicConfig(
        level=logging.INFO if args.verbose and not quiet_rank else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("skipgram: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (SkipgramError, OSError, KeyError, ImportError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"skipgram {args.command}: error: {message}", file=sys.stderr)
        return EXIT_ERROR
