"""Command-line interface: a thin shell over the library.

Each subcommand lives in its own module under ``skipgram.cli`` and exposes two functions:
``add_parser(subparsers)``, which registers its arguments, and ``run(args) -> int``, which makes one or
two library calls and prints the result. :func:`main` turns every error a user can cause
(:class:`~skipgram.errors.SkipgramError`, ``OSError``, ``KeyError``, ``ValueError``, corrupt compressed
data...) into one line on stderr and exit code 1, an unexpected one into one line and exit code 3 —
never a traceback unless ``--debug`` asks for it. SIGTERM unwinds like Ctrl-C (exit 143; during
training it saves a checkpoint first).
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import logging
import lzma
import os
import re
import signal
import sys
import threading
import zlib
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
    "print_word_vectors",
    "nn",
    "analogies",
    "demo",
)

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3


def _load_commands() -> list:
    # Every command module must import: one that fails is a bug to see, not a command to drop.
    return [importlib.import_module(f"{__name__}.{name}") for name in COMMAND_MODULES]


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
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error (with -v: and the log)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in _load_commands():
        module.add_parser(subparsers)
    return parser


def _option_strings(parser: argparse.ArgumentParser, command: str) -> dict[str, argparse.Action]:
    """The long options of one subcommand (``--min-count`` -> its action)."""
    for action in parser._actions:  # argparse keeps subparsers here; there is no public accessor
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            return {
                option: sub_action
                for sub_action in action.choices[command]._actions
                for option in sub_action.option_strings
                if option.startswith("--")
            }
    return {}


# ``name=value`` as the library spells a parameter in its messages: errors='replace', min_count=5.
_API_SPELLING = re.compile(r"\b([a-z][a-z0-9_]*)=(?:'([^']*)'|([^\s,;)']+))")


def cli_spelling(message: str, options: dict[str, argparse.Action]) -> str:
    """Rewrite the library's ``name=value`` hints as the flags the user types (``--name value``).

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> a = p.add_argument("--errors")
    >>> cli_spelling("pass errors='replace' to replace them", {"--errors": a})
    'pass --errors replace to replace them'
    """

    def flag(match: re.Match) -> str:
        option = "--" + match[1].replace("_", "-")
        action = options.get(option)
        if action is None or option in message:
            return match[0]
        value = match[2] if match[2] is not None else match[3]
        if action.nargs == 0:  # store_true / store_false: the flag alone
            return option
        return f"{option} {value}"

    return _API_SPELLING.sub(flag, message)


def _describe(exc: BaseException) -> str:
    """One line for an exception a user can cause; OSErrors name their file."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, OSError) and not isinstance(exc, SkipgramError):
        text = exc.strerror or str(exc)
        if exc.filename is not None and os.fspath(exc.filename) not in text:
            text = f"{exc.filename!s}: {text}"
        if isinstance(exc, gzip.BadGzipFile):
            text = f"a gzip file is corrupted: {text}"
        return text
    if isinstance(exc, (zlib.error, lzma.LZMAError, EOFError)):
        return f"a compressed file is corrupted or truncated ({type(exc).__name__}: {exc})"
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not valid UTF-8 ({exc.reason} at byte {exc.start})"
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to be read (a corrupted or hostile file)"
    if isinstance(exc, MemoryError):
        return "out of memory (a smaller vocabulary, --max-vocab-size or --cache-dir may help)"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# Exceptions a user can cause with bad input: one line, no traceback.
USER_ERRORS = (
    SkipgramError, OSError, KeyError, ImportError, ValueError, TypeError, RecursionError, MemoryError,
    EOFError, zlib.error, lzma.LZMAError,
)  # fmt: skip
EXIT_TERMINATED = 128 + signal.SIGTERM


class _Terminated(Exception):
    """SIGTERM outside training: unwind (cleanups and exit handlers run) instead of dying on the spot."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the process exit code (0 on success)."""
    from ._migrate import translate_argv

    parser = build_parser()
    try:
        args = parser.parse_args(translate_argv(argv))  # C-tool / fastText command lines, translated
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    quiet_rank = os.environ.get("RANK", "0") != "0"  # under torchrun, rank 0 speaks for all
    logging.basicConfig(
        level=logging.INFO if args.verbose and not quiet_rank else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    prefix = f"skipgram {args.command}"
    previous_term = _install_sigterm()
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("skipgram: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("skipgram: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except USER_ERRORS as exc:
        if args.debug:
            raise
        message = cli_spelling(_describe(exc), _option_strings(parser, args.command))
        internal = not isinstance(exc, (SkipgramError, OSError, KeyError, ImportError))
        hint = " (run again with --debug for the traceback)" if internal else ""
        print(f"{prefix}: error: {message}{hint}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"{prefix}: internal error: {type(exc).__name__}: {_describe(exc)}; run again with --debug "
            "for the traceback (and -v for the log) and please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)


def _install_sigterm():
    """SIGTERM unwinds like an exception (training turns it into a checkpointing stop instead)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)
