"""Reading queries from standard input for ``nn``, ``analogies`` and ``print-word-vectors``."""

from __future__ import annotations

import sys
from collections.abc import Iterator


def query_lines(prompt: str) -> Iterator[str]:
    """Non-empty lines of stdin; at a terminal each is asked for with ``prompt`` (on stderr), as
    fastText does. Ends at end of input."""
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print(prompt, end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            if interactive:
                print(file=sys.stderr)
            return
        if line.strip():
            yield line.strip()
