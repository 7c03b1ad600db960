"""``skipgram similar VECTORS WORD... [-k 10] [--negative W...]``: nearest neighbours by cosine."""

from __future__ import annotations

import argparse

from ._common import (
    add_json_argument,
    add_vectors_argument,
    load_vectors,
    neighbours_as_dicts,
    positive_int,
    print_json,
    print_neighbours,
)

DESCRIPTION = """\
Print the nearest neighbours (by cosine similarity) of each WORD.

With --negative, the words are combined into one query instead: the neighbours of
sum(WORD...) - sum(NEGATIVE...), e.g. `similar vec.bin king woman --negative man`.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "similar",
        help="nearest neighbours of words",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument("words", metavar="WORD", nargs="+", help="query word(s)")
    parser.add_argument("-k", "--topn", type=positive_int, default=10, help="neighbours per query (10)")
    parser.add_argument(
        "--negative",
        metavar="W",
        nargs="+",
        default=[],
        help="words to subtract; the WORDs and these form one combined query",
    )
    parser.add_argument(
        "--restrict-vocab",
        type=positive_int,
        metavar="N",
        help="look for neighbours among the N most frequent words only",
    )
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    wv = load_vectors(args.vectors)
    if args.negative:
        queries = [(list(args.words), list(args.negative))]
    else:
        queries = [([word], []) for word in args.words]
    # Look every word up first, so that a typo in the last word fails before any output.
    for positive, negative in queries:
        for word in positive + negative:
            wv.index(word)
    results = []
    for positive, negative in queries:
        pairs = wv.most_similar(
            positive=positive,
            negative=negative,
            topn=args.topn,
            restrict_vocab=args.restrict_vocab,
        )
        results.append((positive, negative, pairs))

    if args.json:
        print_json(
            [
                {"positive": pos, "negative": neg, "neighbours": neighbours_as_dicts(pairs)}
                for pos, neg, pairs in results
            ]
        )
        return 0
    for i, (positive, negative, pairs) in enumerate(results):
        if i:
            print()
        print_neighbours(describe_query(positive, negative), pairs)
    return 0


def describe_query(positive: list[str], negative: list[str]) -> str:
    """``king``, or ``king + woman - man`` for a combined query."""
    text = " + ".join(positive)
    if negative:
        text += "".join(f" - {w}" for w in negative)
    return text
