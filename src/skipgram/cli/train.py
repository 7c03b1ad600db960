"""``skipgram train CORPUS... -o OUT``: train vectors and write them (thin shell over ``Word2Vec``)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .. import formats
from .._dist_env import is_main_process, shutdown
from .._params import DEFAULT_LR, PARAMETERS, add_flags, flag_values
from .._paths import check_outputs
from ..errors import ParameterError
from ..formats import FORMATS, format_from_suffix, suffix_rule
from ._common import read_word_list, show_training_log
from .phrases import add_phrase_options, make_phrases


def _description() -> str:
    d = {name: p.default for name, p in PARAMETERS.items()}
    return f"""\
Learn word vectors from CORPUS (text files with one sentence per line, a text8-style single line,
folders of such files, .gz/.bz2/.xz) and write them to OUT.

Defaults: skip-gram, negative sampling with {d["negative"]} noise words, window {d["window"]}, \
sample {d["sample"]:g},
min-count {d["min_count"]}, {d["vector_size"]} dimensions, {d["epochs"]} epochs, learning rate \
{DEFAULT_LR["skipgram"]:g} decaying linearly: the word2vec C
tool's and gensim's settings for skip-gram. Both of them default to CBOW instead (-cbow 1, sg=0); use
--architecture cbow for that (learning rate {DEFAULT_LR["cbow"]:g}, as in the C tool).
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
        description=_description(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="text file(s) or folder(s)")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="where to write the vectors")
    p.add_argument(
        "--format",
        choices=tuple(FORMATS),
        help=f"file format of OUT (default: from its suffix: {suffix_rule()})",
    )
    groups = {
        "model": p.add_argument_group("model"),
        "vocabulary": p.add_argument_group("vocabulary"),
        "training": p.add_argument_group("training"),
        "engine": p.add_argument_group("engine options"),
    }
    add_flags(groups)  # one flag per Word2Vec parameter, from the table in skipgram._params
    groups["vocabulary"].add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="undecodable bytes: stop with an error (strict) or replace them",
    )
    run_group = groups["training"]
    run_group.add_argument("--checkpoint", metavar="PATH", help="save/resume training state here")
    run_group.add_argument(
        "--checkpoint-interval",
        type=_float,
        default=600.0,
        help="seconds between checkpoints (default: %(default)g)",
    )
    run_group.add_argument("--save-model", metavar="PATH", help="also save the full model (W and W')")
    # growth (issue 10): vocabulary files and rules, continuing a model, starting from vectors
    vocab = groups["vocabulary"]
    vocab.add_argument(
        "--save-vocab", metavar="FILE", help="write the vocabulary ('word count' lines, as word2vec)"
    )
    vocab.add_argument("--read-vocab", metavar="FILE", help="use this vocabulary file instead of counting")
    vocab.add_argument("--keep-words", metavar="FILE", help="keep these words whatever their count")
    vocab.add_argument("--drop-words", metavar="FILE", help="leave these words out of the vocabulary")
    grow = p.add_argument_group("continue or start from vectors")
    grow.add_argument(
        "--init-from",
        metavar="MODEL|VECTORS",
        help="a saved model or checkpoint: continue training it on CORPUS (new words added); a vectors "
        "file (native, .bin, .txt, .vec, .gz): start W from it (--lock-init keeps those rows fixed)",
    )
    grow.add_argument(
        "--no-new-words", action="store_true", help="continuing a model: keep its vocabulary as it is"
    )
    grow.add_argument(
        "--blend",
        metavar="auto|W",
        default=None,
        help="continuing a model: at the end, known words' vectors = W x before + (1 - W) x after; "
        "auto (default): W = the share of words the model was trained on before; 0: no blending",
    )
    # phrases (issue 12): learned first, joined on the fly while the corpus is read
    phrase_group = p.add_argument_group("phrases")
    add_phrase_options(phrase_group, prefix="phrase-")
    p.set_defaults(run=run)


def output_format(path: str, requested: str | None) -> str:
    """The format named by ``--format``, else the one the file suffix means."""
    return requested or format_from_suffix(path)


def _word_list_rule(keep: str | None, drop: str | None):
    """The trim rule of ``--keep-words``/``--drop-words`` (None when neither is given)."""
    if not keep and not drop:
        return None
    from .._growth import WordListRule
    from .._growth import read_word_list as read_words

    sources = tuple(f"{flag} {path}" for flag, path in (("keep", keep), ("drop", drop)) if path)
    return WordListRule(read_words(keep) if keep else (), read_words(drop) if drop else (), sources=sources)


def _is_model_file(path: str) -> bool:
    """True for a saved model or checkpoint (continue it); False for a vectors file (start from it)."""
    from ..errors import FormatError
    from ..io import read_container

    if formats.sniff(path) != "native":
        return False
    try:
        read_container(path, mmap=True, expect_kind="checkpoint")
    except FormatError:
        return False
    return True


def _refuse_with_model(args: argparse.Namespace) -> None:
    """Flags that make no sense when continuing a model (its vocabulary and shape are given)."""
    given = [flag for flag, value in (("--read-vocab", args.read_vocab), ("--lock-init", args.lock_init),
                                      ("--max-final-vocab", args.max_final_vocab)) if value]  # fmt: skip
    if given:
        raise ParameterError(
            f"{', '.join(given)} cannot be used when --init-from is a saved model (training continues it)"
        )


def run(args: argparse.Namespace) -> int:
    from ..corpus import LineCorpus
    from ..model import Word2Vec

    out = Path(args.out)
    stop_words = args.stop_words
    stop_file = [stop_words] if stop_words and stop_words != "english" else []
    outputs = {
        "-o": args.out, "--checkpoint": args.checkpoint, "--save-model": args.save_model,
        "--save-vocab": args.save_vocab,
    }  # fmt: skip
    inputs = [p for p in (args.read_vocab, args.init_from, args.keep_words, args.drop_words) if p]
    check_outputs(
        outputs, inputs=[*args.corpus, *stop_file, *inputs]
    )  # before any work: nothing is lost later
    fmt = output_format(args.out, args.format)
    if stop_file:
        stop_words = read_word_list(stop_words, "--stop-words")
    corpus = LineCorpus(args.corpus, max_sentence_length=args.max_sentence_length, errors=args.errors)
    if not args.verbose and is_main_process():  # one line per epoch on stderr; -v shows everything
        show_training_log("stderr")
    phrases = args.phrases
    if phrases is not None and phrases.isdigit():  # N passes, learned with the training's min_count
        phrases = make_phrases(args, args.min_count, int(phrases)).fit(corpus)
    params = flag_values(args)
    params["stop_words"] = stop_words
    params["progress"] = params["progress"] and sys.stderr.isatty()
    params["phrases"] = phrases
    params["trim_rule"] = _word_list_rule(args.keep_words, args.drop_words)
    continuing = bool(args.init_from) and _is_model_file(args.init_from)
    if continuing:
        _refuse_with_model(args)
        blend = _blend_flag(args.blend)  # before the model is read
        model = Word2Vec.load(args.init_from)
        model.set_params(**{k: params[k] for k in ("workers", "cache_dir", "progress", "trim_rule")})
    else:
        if args.no_new_words:
            raise ParameterError("--no-new-words applies to continuing a model: give --init-from MODEL")
        if args.blend is not None:
            raise ParameterError("--blend applies to continuing a model: give --init-from MODEL")
        params["init_vectors"] = args.init_from
        model = Word2Vec(**params)
    try:
        if continuing:
            model.fit_more(
                corpus, epochs=args.epochs, new_words=not args.no_new_words, lr=args.lr,
                blend=blend, checkpoint=args.checkpoint,
                checkpoint_interval=args.checkpoint_interval,
            )  # fmt: skip
        else:
            model.fit(
                corpus, vocabulary=args.read_vocab, checkpoint=args.checkpoint,
                checkpoint_interval=args.checkpoint_interval,
            )  # fmt: skip
    finally:
        shutdown()  # leave the process group, if torchrun started one
    if not is_main_process():
        return 0
    written = formats.write(model.wv_, out, fmt)
    if args.save_model:
        model.save(args.save_model)
    if args.save_vocab:
        model.vocab_.save(args.save_vocab)
    last = model.training_log_[-1] if model.training_log_ else {}
    print(
        f"wrote {len(model.wv_)} vectors of {model.wv_.vector_size} dimensions to "
        f"{', '.join(map(str, written))} ({fmt}); "
        f"final loss {last.get('loss', float('nan')):.4f}, "
        f"{last.get('words_per_second', 0):,.0f} words/s"
    )
    return 0


def _blend_flag(value: str | None) -> float | str:
    """``--blend``: ``auto`` or a number in [0, 1], refused in the flag's own words."""
    if value is None or value == "auto":
        return "auto"
    try:
        weight = float(value)
    except ValueError:
        weight = math.nan
    if not 0.0 <= weight <= 1.0:  # NaN too
        raise ParameterError(f"--blend must be 'auto' or a number in [0, 1]; got {value!r}")
    return weight
