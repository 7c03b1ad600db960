"""``skipgram plot``: a 2-D map of words, or the training-loss curve.

skipgram plot VECTORS --words king queen man woman [--neighbours 5] [--method pca|tsne] -o words.png
skipgram plot --loss VECTORS_OR_LOG -o loss.png
"""

from __future__ import annotations

import argparse

from ..errors import ParameterError
from ..formats import check_readable
from ._common import (
    add_json_argument,
    load_vectors,
    non_negative_int,
    positive_int,
    print_json,
)

DESCRIPTION = """\
Draw a picture and write it to -o (PNG, or SVG/PDF by suffix).

Word map: the chosen --words (or the --top most frequent words) projected to 2-D by PCA
or t-SNE (t-SNE needs scikit-learn); --neighbours N adds each word's N nearest neighbours
in a lighter shade of its colour.

Loss curve: --loss FILE, where FILE is a native vectors or checkpoint file saved by
training (its metadata holds the training log) or a JSON training log.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw words in 2-D, or the training-loss curve",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("vectors", metavar="VECTORS", nargs="?", help="vectors file (for a word map)")
    parser.add_argument("--words", nargs="+", metavar="WORD", help="words to draw")
    parser.add_argument(
        "--top",
        type=positive_int,
        default=None,
        metavar="N",
        help="without --words: draw the N most frequent words (40)",
    )
    parser.add_argument(
        "--neighbours",
        "--neighbors",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="also draw each word's N nearest neighbours (0)",
    )
    parser.add_argument("--method", choices=("pca", "tsne"), default="pca", type=str.lower)
    parser.add_argument("--seed", type=int, default=0, help="random state for t-SNE (0)")
    parser.add_argument(
        "--loss",
        metavar="FILE",
        help="plot the training loss recorded in FILE (native vectors/checkpoint, or JSON log)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="PATH", help="picture to write")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._paths import check_outputs
    from ..plot import plot_loss, plot_words

    check_outputs({"-o": args.output}, inputs=[p for p in (args.loss, args.vectors) if p is not None])
    if args.loss is not None:
        if args.vectors is not None or args.words:
            raise ParameterError("give either --loss FILE or VECTORS with --words, not both")
        check_readable(args.loss)
        written = plot_loss(args.loss, args.output)
        summary = {"kind": "loss", "source": args.loss, "output": str(written)}
    else:
        if args.vectors is None:
            raise ParameterError("nothing to plot: give VECTORS (with --words or --top) or --loss FILE")
        if args.words and args.top:
            raise ParameterError("give either --words or --top, not both")
        wv = load_vectors(args.vectors)
        words = args.words or list(wv.words[: args.top or 40])
        written = plot_words(
            wv, words, args.output, neighbours=args.neighbours, method=args.method, seed=args.seed
        )
        summary = {
            "kind": "words",
            "source": args.vectors,
            "words": words,
            "neighbours": args.neighbours,
            "method": args.method,
            "output": str(written),
        }
    if args.json:
        print_json(summary)
    else:
        print(f"wrote {written}")
    return 0
