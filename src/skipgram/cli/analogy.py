"""``skipgram analogy VECTORS A B C [-k 5] [--method 3cosadd|3cosmul]``: A is to B as C is to ?"""

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
Solve "A is to B as C is to ?" by vector arithmetic: the words nearest to B - A + C
(3CosAdd, Mikolov et al. 2013) or, with --method 3cosmul, the words that maximise
cos(x,B)·cos(x,C) / (cos(x,A) + ε) (Levy & Goldberg 2014). A, B and C are never answers.

Example: skipgram analogy vectors.bin man king woman   →  queen
"""

METHODS = ("3cosadd", "3cosmul")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "analogy",
        help="A is to B as C is to ?",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vectors_argument(parser)
    parser.add_argument("a", metavar="A")
    parser.add_argument("b", metavar="B")
    parser.add_argument("c", metavar="C")
    parser.add_argument("-k", "--topn", type=positive_int, default=5, help="answers to show (5)")
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="3cosadd",
        type=str.lower,
        help="3cosadd (default) or 3cosmul",
    )
    parser.add_argument(
        "--restrict-vocab",
        type=positive_int,
        metavar="N",
        help="answer among the N most frequent words only",
    )
    add_json_argument(parser)
    parser.set_defaults(run=run)


def solve(wv, a: str, b: str, c: str, *, topn: int, method: str, restrict_vocab=None):
    """Answers to a:b :: c:? (used by this command and by ``skipgram query``)."""
    return wv.analogy(a, b, c, topn=topn, method=method, restrict_vocab=restrict_vocab)


def run(args: argparse.Namespace) -> int:
    wv = load_vectors(args.vectors)
    pairs = solve(
        wv,
        args.a,
        args.b,
        args.c,
        topn=args.topn,
        method=args.method,
        restrict_vocab=args.restrict_vocab,
    )
    if args.json:
        print_json(
            {
                "a": args.a,
                "b": args.b,
                "c": args.c,
                "method": args.method,
                "answers": neighbours_as_dicts(pairs),
            }
        )
        return 0
    score = "score" if args.method == "3cosmul" else "cosine"
    title = f"{args.a} : {args.b} :: {args.c} : ?   ({args.method})"
    print_neighbours(title, pairs, score_name=score)
    return 0
