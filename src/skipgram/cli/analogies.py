"""``skipgram analogies VECTORS [K]``: ``A - B + C`` for each triplet of stdin (fastText's ``analogies``)."""

from __future__ import annotations

import argparse
import sys

from ._common import add_vectors_argument, load_vectors, positive_int
from ._stdin import query_lines
from .nn import print_answers

DESCRIPTION = """\
Read triplets "A B C" from standard input, one per line, and print the K words nearest to
A - B + C (3CosAdd, the three words excluded), one "word similarity" line each, then a blank line.
This is fastText's order: "berlin germany france" asks for berlin - germany + france (paris).
The C tool's word-analogy and `skipgram analogy` take "man king woman" (king - man + woman) instead.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "analogies",
        help="A - B + C for triplets read from stdin",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument("k", nargs="?", type=positive_int, default=10, metavar="K", help="answers (10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per query line")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    wv = load_vectors(args.vectors)
    for line in query_lines("Query triplet (A - B + C)? "):
        words = line.split()
        if len(words) != 3:
            print(f"skipgram analogies: expected three words A B C, got {line!r}", file=sys.stderr)
            continue
        missing = [w for w in words if w not in wv]
        if missing:
            print(f"skipgram analogies: unknown word {missing[0]!r}", file=sys.stderr)
            continue
        a, b, c = words
        print_answers(line, wv.most_similar(positive=[a, c], negative=[b], topn=args.k), args.json)
    return 0
