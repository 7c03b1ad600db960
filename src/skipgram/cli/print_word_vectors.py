"""``skipgram print-word-vectors VECTORS < words``: each word of stdin and its vector (fastText's command)."""

from __future__ import annotations

import argparse
import sys

from ._common import add_vectors_argument, load_vectors
from ._stdin import query_lines

DESCRIPTION = """\
Read words from standard input (any whitespace between them) and print one line per word:
the word, then its vector's numbers, separated by spaces (fastText's print-word-vectors).

An unknown word is reported on stderr and skipped, or printed with zeros with --zeros (skipgram
has no subword vectors to build one from). The exit code is 1 if any word was unknown.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "print-word-vectors",
        help="print the vectors of the words read from stdin",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument("--zeros", action="store_true", help="print a zero vector for unknown words")
    parser.set_defaults(run=run)


def format_vector(word: str, vector) -> str:
    """``word v1 v2 ...`` with 6 significant digits (fastText's precision).

    Examples
    --------
    >>> format_vector("a", [0.5, -1.25, 1/3])
    'a 0.5 -1.25 0.333333'
    """
    return " ".join([word, *(format(float(x), ".6g") for x in vector)])


def run(args: argparse.Namespace) -> int:
    import numpy as np

    wv = load_vectors(args.vectors)
    zeros = np.zeros(wv.vector_size, dtype=np.float32)
    unknown = 0
    for line in query_lines("Query word? "):
        for word in line.split():
            if word in wv:
                print(format_vector(word, wv[word]))
            else:
                unknown += 1
                print(f"skipgram print-word-vectors: unknown word {word!r}", file=sys.stderr)
                if args.zeros:
                    print(format_vector(word, zeros))
        sys.stdout.flush()
    return 1 if unknown else 0
