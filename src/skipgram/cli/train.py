"""``skipgram train CORPUS... -o OUT``: train vectors and write them (thin shell over ``Word2Vec``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._dist_env import is_main_process, shutdown
from ..engines import engine_names
from ._common import positive_int, show_training_log

FORMATS = ("native", "word2vec-binary", "word2vec-text")

DESCRIPTION = """\
Learn word vectors from CORPUS (text files with one sentence per line, a text8-style single line,
folders of such files, .gz/.bz2/.xz) and write them to OUT.

Defaults follow the word2vec C tool and gensim: skip-gram, negative sampling with 5 noise words,
window 5, sample 1e-3, min-count 5, 100 dimensions, 5 epochs, learning rate 0.025 decaying linearly.
Under torchrun every process trains its share of the corpus and rank 0 writes OUT.
"""


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train word vectors on a corpus",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text file(s) or folder(s)")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="where to write the vectors")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="file format of OUT (default: from its suffix: .bin word2vec-binary, .txt/.vec "
        "word2vec-text, anything else native)",
    )
    model = p.add_argument_group("model")
    model.add_argument("--vector-size", type=positive_int, default=100, help="dimensions (100; 50-300)")
    model.add_argument("--window", type=positive_int, default=5, help="max context distance (5; 2-10)")
    model.add_argument("--architecture", choices=("skipgram", "cbow"), default="skipgram", help="(skipgram)")
    model.add_argument(
        "--loss",
        choices=("negative", "softmax", "hierarchical"),
        default="negative",
        help="negative sampling (default), exact full softmax (O(V) per pair), hierarchical softmax",
    )
    model.add_argument(
        "--negative", type=positive_int, default=5, help="noise words per prediction (5; 3-20)"
    )
    model.add_argument("--ns-exponent", type=_float, default=0.75, help="noise ~ count^x (0.75)")
    model.add_argument(
        "--sample", type=_float, default=1e-3, help="subsampling threshold (1e-3; 1e-5-1e-3; 0 = off)"
    )
    model.add_argument(
        "--output",
        choices=("input", "average"),
        default="input",
        help="vectors to write: W (input) or (W + W')/2 (average)",
    )
    model.add_argument(
        "--no-shrink-windows", action="store_true", help="always use the full window (no dynamic window)"
    )
    model.add_argument(
        "--pairwise-negatives",
        action="store_true",
        help="draw noise words per pair (the C tool) instead of once per window (faster default)",
    )
    vocab = p.add_argument_group("vocabulary")
    vocab.add_argument("--min-count", type=positive_int, default=5, help="drop rarer words (5)")
    vocab.add_argument("--max-vocab-size", type=positive_int, help="keep the N most frequent words")
    vocab.add_argument(
        "--stop-words", metavar="english|FILE", help="remove stop words: the bundled English list or a file"
    )
    vocab.add_argument(
        "--max-sentence-length", type=positive_int, default=10000, help="split longer lines (10000)"
    )
    vocab.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="undecodable bytes: stop with an error (strict) or replace them",
    )
    run_group = p.add_argument_group("training")
    run_group.add_argument("--epochs", type=positive_int, default=5, help="passes over the corpus (5)")
    run_group.add_argument("--lr", type=_float, help="initial learning rate (0.025 skip-gram, 0.05 CBOW)")
    run_group.add_argument("--min-lr", type=_float, help="final learning rate (lr * 1e-4)")
    run_group.add_argument("--workers", type=positive_int, help="threads (all cores)")
    run_group.add_argument("--seed", type=int, default=1, help="random seed (1)")
    run_group.add_argument(
        "--backend", choices=engine_names(), default="numba", help="training engine (numba)"
    )
    run_group.add_argument("--device", help="torch device, e.g. cuda, cuda:1, cpu (CUDA when present)")
    run_group.add_argument("--batch-size", type=positive_int, help="pairs per minibatch (softmax, torch)")
    run_group.add_argument(
        "--allow-slow-softmax", action="store_true", help="train the full softmax even if it takes hours"
    )
    run_group.add_argument("--cache-dir", help="folder for the encoded corpus (system temp folder)")
    run_group.add_argument("--checkpoint", metavar="PATH", help="save/resume training state here")
    run_group.add_argument(
        "--checkpoint-interval", type=_float, default=600.0, help="seconds between checkpoints (600)"
    )
    run_group.add_argument("--save-model", metavar="PATH", help="also save the full model (W and W')")
    run_group.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def output_format(path: str, requested: str | None) -> str:
    """The format named by ``--format``, else guessed from the file suffix."""
    if requested:
        return requested
    suffix = Path(path).suffix.lower()
    return {".bin": "word2vec-binary", ".txt": "word2vec-text", ".vec": "word2vec-text"}.get(suffix, "native")


def run(args: argparse.Namespace) -> int:
    from ..corpus import LineCorpus
    from ..model import Word2Vec

    out = Path(args.out)
    if not out.parent.exists():
        raise FileNotFoundError(f"cannot write {args.out!r}: folder {str(out.parent)!r} does not exist")
    fmt = output_format(args.out, args.format)
    stop_words = args.stop_words
    if stop_words and stop_words != "english":
        stop_words = Path(stop_words).read_text(encoding="utf-8").split()
    corpus = LineCorpus(args.corpus, max_sentence_length=args.max_sentence_length, errors=args.errors)
    if not args.verbose and is_main_process():  # one line per epoch on stderr; -v shows everything
        show_training_log("stderr")
    model = Word2Vec(
        vector_size=args.vector_size,
        window=args.window,
        min_count=args.min_count,
        max_vocab_size=args.max_vocab_size,
        sample=args.sample,
        negative=args.negative,
        ns_exponent=args.ns_exponent,
        loss=args.loss,
        architecture=args.architecture,
        lr=args.lr,
        min_lr=args.min_lr,
        epochs=args.epochs,
        workers=args.workers,
        seed=args.seed,
        output=args.output,
        max_sentence_length=args.max_sentence_length,
        stop_words=stop_words,
        shrink_windows=not args.no_shrink_windows,
        shared_negatives=not args.pairwise_negatives,
        backend=args.backend,
        device=args.device,
        batch_size=args.batch_size,
        allow_slow_softmax=args.allow_slow_softmax,
        cache_dir=args.cache_dir,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    try:
        model.fit(corpus, checkpoint=args.checkpoint, checkpoint_interval=args.checkpoint_interval)
    finally:
        shutdown()  # leave the process group, if torchrun started one
    if not is_main_process():
        return 0
    if fmt == "native":
        model.wv_.save(out)
    else:
        model.wv_.save_word2vec_format(out, binary=fmt == "word2vec-binary")
    if args.save_model:
        model.save(args.save_model)
    last = model.training_log_[-1] if model.training_log_ else {}
    print(
        f"wrote {len(model.wv_)} vectors of {model.wv_.vector_size} dimensions to {out} ({fmt}); "
        f"final loss {last.get('loss', float('nan')):.4f}, "
        f"{last.get('words_per_second', 0):,.0f} words/s"
    )
    return 0
