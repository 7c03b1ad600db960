"""``skipgram phrases CORPUS... -o OUT``: learn phrases and write the corpus with them joined by ``_``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import ParameterError
from ._common import positive_int

DESCRIPTION = """\
Learn phrases ("new york" -> "new_york") from CORPUS and write it to OUT with the phrases joined,
one sentence per line (OUT ending in .gz is compressed). Streams: memory does not grow with the corpus.

A candidate (two words with only connector words between them) becomes a phrase when it occurs at
least --min-count times and its score exceeds --threshold. "original" is the word2vec C tool's score,
(count(ab) - min_count) * N / (count(a) * count(b)): with its defaults (--threshold 100, --min-count 5)
the output is the C tool's word2phrase output. --passes 2 finds longer phrases ("new_york_times").
"""


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def connector_words_argument(value: str | None):
    """``english``, None, or the words of a file (whitespace-separated)."""
    if value is None or value == "english":
        return value
    path = Path(value)
    if not path.is_file():
        raise FileNotFoundError(f"connector words file {value!r} does not exist (or give 'english')")
    return path.read_text(encoding="utf-8").split()


def add_phrase_options(group, prefix: str = "") -> None:
    """The phrase-learning flags shared by ``phrases`` and ``train --phrases`` (there with ``phrase-``)."""
    group.add_argument(
        f"--{prefix}threshold",
        dest="phrase_threshold",
        type=_float,
        metavar="X",
        help="score a phrase must exceed (100 for original: the C tool's; 0.5 for npmi)",
    )
    group.add_argument(
        f"--{prefix}scoring",
        dest="phrase_scoring",
        choices=("original", "npmi"),
        default="original",
        help="phrase score: the C tool's (original) or normalised PMI (npmi)",
    )
    group.add_argument(
        "--connector-words",
        metavar="english|FILE",
        help="words allowed inside a phrase but never at its ends (bank_of_america)",
    )


def make_phrases(args: argparse.Namespace, min_count: int, passes: int):
    from ..phrases import Phrases

    return Phrases(
        min_count=min_count,
        threshold=args.phrase_threshold,
        scoring=args.phrase_scoring,
        connector_words=connector_words_argument(args.connector_words),
        passes=passes,
        max_sentence_length=args.max_sentence_length,
    )


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "phrases",
        help="join frequent phrases (new_york) in a corpus, like word2phrase",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text file(s) or folder(s)")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="where to write the phrased corpus")
    p.add_argument("--passes", type=positive_int, default=1, help="layers of phrases (1; 2 for 3-4 words)")
    p.add_argument("--min-count", type=positive_int, default=5, help="rarer words and phrases never join (5)")
    add_phrase_options(p)
    p.add_argument(
        "--max-sentence-length",
        type=positive_int,
        default=10000,
        help="read longer lines as pieces of this many words, one output line each (10000)",
    )
    p.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="undecodable bytes: stop with an error (strict) or replace them",
    )
    p.add_argument(
        "--save-phrases", metavar="PATH", help="also save the learned phrases (for train --phrases)"
    )
    p.add_argument(
        "--export", metavar="PATH", help="also write 'phrase<TAB>score<TAB>count' lines, best first"
    )
    p.set_defaults(run=run)


def _same_file(a: str, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    from .._atomic import atomic_write
    from ..phrases import write_phrased
    from ..reading import LineCorpus

    out = Path(args.out)
    if not out.parent.exists():
        raise FileNotFoundError(f"cannot write {args.out!r}: folder {str(out.parent)!r} does not exist")
    corpus = LineCorpus(args.corpus, max_sentence_length=args.max_sentence_length, errors=args.errors)
    if any(_same_file(str(path), out) for path in corpus.paths):
        raise ParameterError(f"-o {args.out!r} is one of the input files: choose another output path")
    phrases = make_phrases(args, args.min_count, args.passes).fit(corpus)
    stats = write_phrased(phrases, corpus, out)
    if args.save_phrases:
        phrases.save(args.save_phrases)
    table = phrases.export_phrases(with_counts=True)
    if args.export:
        with atomic_write(args.export, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(f"{text}\t{score:.6g}\t{count}\n" for text, (score, count) in table.items())
    print(
        f"wrote {stats['sentences']:,} sentences, {stats['tokens_out']:,} tokens "
        f"({stats['tokens_in']:,} read) "
        f"to {out}; {len(table):,} phrases in {args.passes} pass{'es' if args.passes > 1 else ''}"
    )
    return 0
