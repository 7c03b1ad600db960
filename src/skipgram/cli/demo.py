"""``skipgram demo``: train on the bundled corpus, then show neighbours, an analogy and an evaluation."""

from __future__ import annotations

import argparse
import sys
import time

from ._common import positive_int, show_training_log

NEIGHBOUR_WORDS = ("king", "france", "computer", "music", "river")
# a is to b as c is to ?  (worse; queen: the classic, which 2.5M words only half learn: emperor, empress)
ANALOGIES = (("good", "better", "bad"), ("man", "king", "woman"))

DESCRIPTION = """\
Train skip-gram vectors on the corpus bundled with skipgram (2.5M words of English Wikipedia), then print
the nearest neighbours of a few words, two analogies (good : better :: bad : ?, man : king :: woman : ?)
and scores on the bundled Google analogy questions and WordSim-353. Takes about a minute on 2 cores.
"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="train on the bundled corpus and show what the vectors can do",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--epochs", type=positive_int, default=5, help="passes over the corpus (5)")
    p.add_argument("--workers", type=positive_int, help="threads (all cores)")
    p.add_argument("-o", "--out", metavar="OUT", help="also save the vectors here (native format)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..datasets import demo_corpus_path
    from ..evaluate import analogy_accuracy, similarity_correlation
    from ..model import Word2Vec

    print(f"training on {demo_corpus_path().name} (bundled, 2.5M words of Wikipedia, CC BY-SA) ...")
    if not args.verbose:
        show_training_log("stdout", prefix="  ")
    began = time.perf_counter()
    model = Word2Vec(epochs=args.epochs, workers=args.workers, progress=sys.stderr.isatty())
    model.fit(demo_corpus_path())
    wv = model.wv_
    print(f"trained {len(wv)} words x {wv.vector_size} dimensions in {time.perf_counter() - began:.0f} s\n")
    if args.out:
        wv.save(args.out)
        print(f"saved to {args.out}\n")

    print("nearest neighbours (cosine):")
    for word in NEIGHBOUR_WORDS:
        if word in wv:
            neighbours = ", ".join(f"{w} {s:.2f}" for w, s in wv.most_similar(word, topn=6))
            print(f"  {word:>9}: {neighbours}")

    print()
    for a, b, c in ANALOGIES:
        answers = ", ".join(f"{w} {s:.2f}" for w, s in wv.analogy(a, b, c, topn=3))
        print(f"analogy: {a} is to {b} as {c} is to ... {answers}")

    analogies = analogy_accuracy(wv)
    similarity = similarity_correlation(wv)
    print(
        f"\nevaluation: Google analogies {100 * analogies.overall.accuracy:.1f}% "
        f"({analogies.overall.correct}/{analogies.overall.total} questions over the 30,000 most "
        f"frequent words), WordSim-353 Spearman {similarity.spearman:.3f}"
    )
    print("(a 2.5M-word corpus is small: see the README's benchmark for the 17M-word numbers)")
    return 0
