"""Helpers shared by the query-side subcommands: load vectors of any format, print results.

Output is a readable table by default and JSON with ``--json`` (one document per command, so that
``skipgram similar vectors.bin king --json | jq`` works).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..errors import CorpusError


def add_vectors_argument(parser: argparse.ArgumentParser, *, nargs: str | None = None) -> None:
    """The positional VECTORS argument, with one help text for every subcommand."""
    parser.add_argument(
        "vectors",
        metavar="VECTORS",
        nargs=nargs,
        help="vectors file: skipgram native format, or word2vec binary/text (detected)",
    )


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print JSON instead of a table (for scripts and jq)"
    )


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an int >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def read_word_list(path: str | os.PathLike[str], flag: str) -> list[str]:
    """Whitespace-separated words of a UTF-8 file (a stop-word list), or one line naming the problem."""
    from ..formats import check_readable

    p = check_readable(path)
    data = p.read_bytes()
    try:
        return data.decode("utf-8").split()
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(
            f"{flag} {str(p)!r}: line {line} (byte offset {exc.start}) is not valid UTF-8; "
            "save the list as UTF-8"
        ) from None


def load_vectors(path: str | os.PathLike[str], *, mmap: bool = True):
    """Load a :class:`~skipgram.vectors.KeyedVectors` of any format (:mod:`skipgram.formats` tells which).

    Native files are memory-mapped by default: queries only read the vectors, so a large file costs
    no second copy in memory.
    """
    from .. import formats

    return formats.read(path, mmap=mmap)


# -------------------------------------------------------------------------------------------------
# output


def to_jsonable(value: Any) -> Any:
    """Plain JSON types from results that may hold NumPy scalars, arrays, tuples or dataclasses."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # NumPy arrays and scalars
        return to_jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def print_json(obj: Any, file: TextIO | None = None) -> None:
    print(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2), file=file or sys.stdout)


def format_cell(value: Any) -> str:
    if type(value).__str__ is not float.__str__ and isinstance(value, float):  # a float with its own format
        return str(value)
    if isinstance(value, float) or (hasattr(value, "dtype") and value.dtype.kind == "f"):
        return f"{float(value):.4f}"
    if value is None:
        return "-"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) or (hasattr(value, "dtype") and value.dtype.kind in "iuf")


def format_table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """Left-aligned text columns, right-aligned numbers, two spaces between columns."""
    rows = [list(row) for row in rows]
    cells = [[format_cell(v) for v in row] for row in rows]
    numeric = [bool(rows) and all(_is_number(row[i]) for row in rows) for i in range(len(headers))]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        out = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(out).rstrip()

    return "\n".join([line(list(headers)), line(["-" * w for w in widths]), *map(line, cells)])


def print_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], file: TextIO | None = None) -> None:
    print(format_table(rows, headers), file=file or sys.stdout)


def neighbours_as_dicts(pairs: Iterable[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": word, "similarity": float(score)} for word, score in pairs]


def print_neighbours(
    title: str,
    pairs: Sequence[tuple[str, float]],
    *,
    score_name: str = "cosine",
    file: TextIO | None = None,
) -> None:
    """A titled table of (word, score) pairs, ranked."""
    out = file or sys.stdout
    print(title, file=out)
    rows = [(rank, word, float(score)) for rank, (word, score) in enumerate(pairs, 1)]
    print(format_table(rows, ("rank", "word", score_name)), file=out)


class _CurrentStream(logging.StreamHandler):
    """Writes to whatever ``sys.stdout``/``sys.stderr`` is at the time of the record (test captures,
    redirections), not the stream that existed when the handler was made."""

    def __init__(self, name: str, prefix: str = ""):
        super().__init__()
        self.stream_name = name
        self.setFormatter(logging.Formatter(prefix + "%(message)s"))

    @property
    def stream(self):
        return getattr(sys, self.stream_name)

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns it; the property decides
        pass


# The loggers whose INFO lines a training command prints: the model's one line per epoch, and under
# torchrun the distributed engine's (the shard and rounds at the start, the sync's cost per epoch).
TRAINING_LOGGERS = ("skipgram.model", "skipgram.engines.distributed")


def show_training_log(stream_name: str = "stderr", prefix: str = "") -> None:
    """Print the training log (:data:`TRAINING_LOGGERS`) on ``sys.<stream_name>`` (once, however often
    called)."""
    for name in TRAINING_LOGGERS:
        log = logging.getLogger(name)
        log.setLevel(logging.INFO)
        log.propagate = False
        for handler in list(log.handlers):
            if isinstance(handler, _CurrentStream):
                log.removeHandler(handler)
        log.addHandler(_CurrentStream(stream_name, prefix))
