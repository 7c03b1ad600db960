"""``skipgram nn VECTORS [K] < words``: nearest neighbours of each word of stdin (fastText's ``nn``)."""

from __future__ import annotations

import argparse
import json
import sys

from ._common import add_vectors_argument, load_vectors, positive_int
from ._stdin import query_lines

DESCRIPTION = """\
Read one query per line from standard input and print its K nearest neighbours by cosine, one
"word similarity" line each, then a blank line (fastText's nn; the C tool's distance). A line of
several words queries their sum. Unknown words get one line on stderr; the session goes on.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "nn",
        help="nearest neighbours of words read from stdin",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument("k", nargs="?", type=positive_int, default=10, metavar="K", help="neighbours (10)")
    parser.add_argument("--json", action="store_true", help="one JSON object per query line")
    parser.set_defaults(run=run)


def print_answers(query: str, pairs, as_json: bool) -> None:
    if as_json:
        answers = [{"word": w, "similarity": float(s)} for w, s in pairs]
        print(json.dumps({"query": query, "neighbours": answers}, ensure_ascii=False))
    else:
        for word, score in pairs:
            print(f"{word} {score:.6g}")
        print()
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    wv = load_vectors(args.vectors)
    for line in query_lines("Query word? "):
        words = line.split()
        missing = [w for w in words if w not in wv]
        if missing:
            print(f"skipgram nn: unknown word {missing[0]!r}", file=sys.stderr)
            continue
        print_answers(line, wv.most_similar(positive=words, topn=args.k), args.json)
    return 0
