"""The table of ``Word2Vec``'s parameters, and the checks that involve several of them.

One :class:`Parameter` per constructor argument: its default, its constraints (checked by
:mod:`skipgram._validation`), whether a checkpoint must match it, which engines use it and how
``skipgram train`` spells it. Everything else is derived from :data:`PARAMETERS`:
:data:`PARAMETER_CONSTRAINTS`, :data:`TRAINING_KEYS`, the CLI flags with the defaults in their help
(:func:`add_flags`), and the checks of the modules that take one of these parameters on their own
(:func:`constraints`), so that each parameter has one validator. ``tests/test_params.py`` checks that
``Word2Vec``'s signature and docstring agree with the table.

Examples
--------
>>> PARAMETERS["negative"].default, PARAMETERS["negative"].training
(5, True)
>>> print(PARAMETERS["sample"].constraints[0])
a float in the range [0, 1]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._validation import BOOL, NONE, InstanceOf, Interval, Options, Registered
from .engines.distributed import OPTION_CONSTRAINTS as SYNC_CONSTRAINTS
from .engines.distributed import DistributedOptions
from .errors import ParameterError


def backend_names() -> tuple[str, ...]:
    """The engines ``backend`` may name (the registry's, engines registered later included)."""
    from .engines import engine_names  # lazily: the registry imports the engines' specs

    return engine_names()


def _default_batch_sizes() -> str:
    from .engines import get_engine

    sizes = [(name, get_engine(name).capabilities.default_batch_size) for name in backend_names()]
    return ", ".join(f"{size} {name}" for name, size in sizes if size)


# Defaults that depend on other parameters (resolved in Word2Vec._resolved_params).
DEFAULT_LR = {"skipgram": 0.025, "cbow": 0.05}  # the C tool's
MIN_LR_FACTOR = 1e-4  # min_lr = lr * this: the C tool's floor
_SYNC = DistributedOptions()  # the distributed engine's defaults, which the table repeats


class _VectorsSource:
    """A :class:`skipgram.vectors.KeyedVectors` or a vectors file path (imported lazily: no cycle)."""

    def accepts(self, value: Any) -> bool:
        from .vectors import KeyedVectors

        return isinstance(value, (str, os.PathLike, KeyedVectors))

    def __str__(self) -> str:
        return "a KeyedVectors or a vectors file path"


class _PhrasesSource:
    """A fitted :class:`skipgram.phrases.Phrases` or the path of a saved one (imported lazily: no cycle)."""

    def accepts(self, value: Any) -> bool:
        from .phrases import Phrases

        return isinstance(value, (str, os.PathLike, Phrases))

    def __str__(self) -> str:
        return "a fitted Phrases or a phrases file path"


@dataclass(frozen=True)
class Flag:
    """How ``skipgram train`` spells a parameter.

    ``help`` never states the default: :func:`add_flags` appends it from the table, or ``default_help``
    where the default is ``None`` and resolved later (``lr``: by architecture). A bool gets a switch that
    flips its default: ``--allow-slow-softmax`` sets ``True``, ``--no-shrink-windows`` sets ``False``.
    """

    group: str  # "model", "vocabulary", "training" or "engine"
    help: str
    spelling: str | None = None  # default: "--" + the name with dashes
    metavar: str | None = None
    default_help: str | Callable[[], str] | None = None  # a callable: asked when the parser is built


@dataclass(frozen=True)
class Parameter:
    """One parameter of ``Word2Vec``."""

    name: str
    default: Any
    constraints: tuple
    training: bool = False  # changes what training computes: a checkpoint resumes only with the same value
    engines: tuple[str, ...] | None = None  # the backends that use it; None: all
    flag: Flag | None = None

    @property
    def spelling(self) -> str | None:
        if self.flag is None:
            return None
        return self.flag.spelling or "--" + self.name.replace("_", "-")


def _p(name, default, constraints, *, training=False, engines=None, flag=None) -> Parameter:
    return Parameter(name, default, tuple(constraints), training, engines, flag)


_TABLE = (
    _p("vector_size", 100, [Interval(int, 1, 10_000)], training=True,
       flag=Flag("model", "dimensions of the vectors, typically 50-300")),
    _p("window", 5, [Interval(int, 1, 1_000)], training=True,
       flag=Flag("model", "max distance between a centre and a context word, typically 2-10")),
    _p("min_count", 5, [Interval(int, 1, None)], training=True,
       flag=Flag("vocabulary", "drop words rarer than this")),
    _p("max_vocab_size", None, [NONE, Interval(int, 1, None)], training=True,
       flag=Flag("vocabulary", "keep the N most frequent words", metavar="N", default_help="all")),
    _p("sample", 1e-3, [Interval(float, 0.0, 1.0)], training=True,
       flag=Flag("model", "subsampling threshold of frequent words, typically 1e-5 to 1e-3; 0 = off")),
    _p("negative", 5, [Interval(int, 1, 1_000)], training=True,
       flag=Flag("model", "noise words per prediction, typically 3-20")),
    _p("ns_exponent", 0.75, [Interval(float, -10.0, 10.0)], training=True,
       flag=Flag("model", "noise words are drawn from count^x", metavar="X")),
    _p("loss", "negative", [Options(("negative", "softmax", "hierarchical"))], training=True,
       flag=Flag("model", "negative sampling, the full softmax (O(V) per pair), or hierarchical softmax")),
    _p("architecture", "skipgram", [Options(("skipgram", "cbow"))], training=True,
       flag=Flag("model", "skip-gram (the context from the word) or CBOW (the word from its context)")),
    _p("lr", None, [NONE, Interval(float, 0.0, 10.0, closed="right")], training=True,
       flag=Flag("training", "initial learning rate, decaying linearly to --min-lr", default_help=(
           f"{DEFAULT_LR['skipgram']:g} skip-gram, {DEFAULT_LR['cbow']:g} CBOW"))),
    _p("min_lr", None, [NONE, Interval(float, 0.0, 10.0)], training=True,
       flag=Flag("training", "final learning rate", default_help=f"lr * {MIN_LR_FACTOR:g}")),
    _p("epochs", 5, [Interval(int, 1, None)], training=True,
       flag=Flag("training", "passes over the corpus")),
    _p("workers", None, [NONE, Interval(int, 1, 4096)],
       flag=Flag("training", "training threads", default_help="all cores")),
    _p("seed", 1, [Interval(int, 0, 2**63 - 1)], training=True,
       flag=Flag("training", "random seed")),
    _p("output", "input", [Options(("input", "average"))], training=True,
       flag=Flag("model", "vectors to write: W (input) or (W + W')/2 (average)")),
    _p("max_sentence_length", 10000, [Interval(int, 1, None)], training=True,
       flag=Flag("vocabulary", "split longer lines into pieces of this many words")),
    _p("stop_words", None,
       [NONE, InstanceOf((str, list, tuple, set, frozenset), "'english' or a list of words")], training=True,
       flag=Flag("vocabulary", "remove stop words: the bundled English list or the words of a file",
                 metavar="english|FILE", default_help="none")),
    _p("batch_words", 10000, [Interval(int, 1, None)],
       flag=Flag("training", "corpus words per chunk handed to a worker thread")),
    _p("shrink_windows", True, [BOOL], training=True,
       flag=Flag("model", "always use the full window (no dynamic window)", spelling="--no-shrink-windows")),
    _p("shared_negatives", True, [BOOL], training=True,
       flag=Flag("model", "draw noise words per pair (the C tool) instead of once per window (faster)",
                 spelling="--pairwise-negatives")),
    _p("backend", "numba", [Registered(backend_names)],
       flag=Flag("training", "training engine: the numba CPU trainer or PyTorch (GPU)")),
    _p("device", None, [NONE, InstanceOf((str,), "a device name such as 'cuda' or 'cpu'")],
       engines=("torch", "cuda"),
       flag=Flag("training", "torch device, e.g. cuda, cuda:1, cpu", default_help="CUDA when present")),
    _p("batch_size", None, [NONE, Interval(int, 1, None)],
       flag=Flag("training", "pairs per minibatch (full softmax, torch)", default_help=_default_batch_sizes)),
    _p("allow_slow_softmax", False, [BOOL],
       flag=Flag("training", "train the full softmax even if it takes hours")),
    _p("cache_dir", None, [NONE, InstanceOf((str, os.PathLike), "a folder path")],
       flag=Flag("training", "folder for the encoded corpus", metavar="DIR",
                 default_help="the system's temporary folder")),
    _p("progress", True, [BOOL],
       flag=Flag("training", "no progress bar (there is none when stderr is not a terminal)",
                 spelling="--no-progress")),
    # Engine options: each names the engines that use it; setting it for another backend is an error.
    _p("block_words", None, [NONE, Interval(int, 1, None)], training=True, engines=("torch",),
       flag=Flag("engine", "torch: corpus words per pair-generation block", metavar="N",
                 default_help="the engine's choice")),
    _p("row_cap", None, [NONE, Interval(float, 0.0, None, closed="neither")], training=True,
       engines=("torch",),
       flag=Flag("engine", "torch: cap on the summed updates of one row per minibatch", metavar="X",
                 default_help="no cap")),
    _p("precision", "float32", [Options(("float32", "bf16"))], training=True, engines=("torch",),
       flag=Flag("engine", "torch: bf16 computes the full-softmax logits in bfloat16 (CUDA only)")),
    # The distributed engine's options (engines/distributed.py DistributedOptions: defaults and checks)
    _p("sync_words", _SYNC.sync_words, SYNC_CONSTRAINTS["sync_words"], training=True,
       flag=Flag("engine", "under torchrun: local corpus words between two synchronisations", metavar="N")),
    _p("sync_hot_rows", _SYNC.sync_hot_rows, SYNC_CONSTRAINTS["sync_hot_rows"], training=True,
       flag=Flag("engine", "under torchrun: the N most frequent rows of W and W' are combined every round",
                 metavar="N")),
    _p("sync_tail_rounds", _SYNC.sync_tail_rounds, SYNC_CONSTRAINTS["sync_tail_rounds"], training=True,
       flag=Flag("engine", "under torchrun: the other rows are combined a 1/N block per round, so each "
                 "at least every N rounds (and all at epoch end); 1 = every row every round", metavar="N")),
    _p("sync_combine", _SYNC.sync_combine, SYNC_CONSTRAINTS["sync_combine"], training=True,
       flag=Flag("engine", "under torchrun: a row gets the ranks' summed changes (sum), that sum divided by "
                 "the ranks that moved it (touched), a damped sum, or their mean (average)")),
    _p("sync_precision", _SYNC.sync_precision, SYNC_CONSTRAINTS["sync_precision"], training=True,
       flag=Flag("engine", "under torchrun: number format of the changes on the wire")),
    _p("sync_mean_rows", _SYNC.sync_mean_rows, SYNC_CONSTRAINTS["sync_mean_rows"], training=True,
       flag=Flag("engine", "under torchrun: the N most frequent words' rows get the mean of the ranks' "
                 "changes, not the sum", metavar="N")),
    _p("phrases", None,
       [NONE, _PhrasesSource()],
       flag=Flag("vocabulary", "learn N passes of phrases (new_york) first, or load a file saved by "
                 "'skipgram phrases --save-phrases', and join them while reading the corpus (no phrased "
                 "copy is written)", metavar="N|FILE", default_help="none")),
    # growth (issue 10): vocabulary control and starting from existing vectors; the CLI reaches
    # trim_rule through --keep-words/--drop-words and init_vectors through --init-from (cli/train.py)
    _p("trim_rule", None, [NONE, InstanceOf((Callable,), "a callable rule(word, count, min_count) -> int")]),
    _p("max_final_vocab", None, [NONE, Interval(int, 1, None)], training=True,
       flag=Flag("vocabulary", "raise min-count until at most N words remain", metavar="N",
                 default_help="no limit")),
    _p("init_vectors", None, [NONE, _VectorsSource()], training=True),
    _p("lock_init", False, [BOOL], training=True,
       flag=Flag("vocabulary", "keep the rows from --init-from VECTORS fixed (numba engine)")),
    # The CUDA engine's options (engines/cuda/spec.py CudaOptions)
    _p("piece_words", 1024, [Interval(int, 1, 32767)], training=True, engines=("cuda",),
       flag=Flag("engine", "cuda: corpus words per thread block", metavar="N")),
    _p("threads_per_block", 64, [Interval(int, 1, 1024)], engines=("cuda",),
       flag=Flag("engine", "cuda: threads of one thread block", metavar="N")),
    _p("pieces_per_launch", 4096, [Interval(int, 1, None)], engines=("cuda",),
       flag=Flag("engine", "cuda: pieces per kernel launch (one progress report and safe position each)",
                 metavar="N")),
)  # fmt: skip

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _TABLE}

PARAMETER_CONSTRAINTS = {p.name: list(p.constraints) for p in _TABLE}

# Parameters that change what training computes: a checkpoint resumes only with the same values.
TRAINING_KEYS = tuple(p.name for p in _TABLE if p.training)


def constraints(*names: str) -> dict[str, list]:
    """The table's constraints for ``names``: for modules that take one of these parameters directly.

    Examples
    --------
    >>> from skipgram._validation import validate_params
    >>> try:
    ...     validate_params({"min_count": 0}, constraints("min_count"), "Vocabulary")
    ... except ValueError as error:
    ...     print(error)
    The 'min_count' parameter of Vocabulary must be an int in the range [1, inf); got 0.
    """
    return {name: PARAMETER_CONSTRAINTS[name] for name in names}


def training_differences(saved: Mapping[str, Any], requested: Mapping[str, Any]) -> list[str]:
    """``"key=saved (now requested)"`` for each training key (but ``epochs``) that differs.

    A key that an older checkpoint does not record counts as its default.
    """
    out = []
    for key in TRAINING_KEYS:
        if key == "epochs":
            continue
        before = saved.get(key, PARAMETERS[key].default)
        if before != requested.get(key):
            out.append(f"{key}={before!r} (now {requested.get(key)!r})")
    return out


def _applies(p: Parameter, backend: str) -> bool:
    """Whether engine ``backend`` uses ``p``: the table says so, or its options dataclass has the field."""
    from .engines import get_engine

    options = get_engine(backend).options
    return backend in p.engines or (options is not None and p.name in options.__dataclass_fields__)


def check_consistency(params: dict) -> None:
    """Checks that involve more than one parameter (the engine's capabilities among them)."""
    from .engines import unsupported_objective

    for p in _TABLE:
        if p.engines is not None and params[p.name] != p.default and not _applies(p, params["backend"]):
            engines = " or ".join(f"backend={name!r}" for name in p.engines)
            raise ParameterError(f"{p.name} applies to {engines} only")
    if params["loss"] == "hierarchical" and params["output"] == "average":
        raise ParameterError(
            "output='average' needs one output vector per word, but hierarchical softmax has one per "
            "inner node of the Huffman tree; use output='input' or loss='negative'"
        )
    refusal = unsupported_objective(params["backend"], params["architecture"], params["loss"])
    if refusal:
        raise ParameterError(refusal)
    if params.get("lock_init"):
        from .engines import get_engine

        if params.get("init_vectors") is None:
            raise ParameterError(
                "lock_init=True locks the rows set from init_vectors, but init_vectors is None"
            )
        if not get_engine(params["backend"]).capabilities.supports_lock_factor:
            raise ParameterError(
                f"the {params['backend']!r} engine cannot keep rows fixed (lock_init=True); "
                "use backend='numba' or lock_init=False"
            )
    lr, min_lr = params["lr"], params["min_lr"]
    if lr is not None and min_lr is not None and min_lr > lr:
        raise ParameterError(f"min_lr ({min_lr}) must not exceed lr ({lr})")


def resolve_params(overrides: dict | None = None) -> dict:
    """``Word2Vec``'s resolved parameters (defaults filled in, validated) with ``overrides`` applied.

    For code that drives an engine without a model (benchmarks, tests), with
    :func:`skipgram._setup.make_setup`.
    """
    from .model import Word2Vec

    return Word2Vec(**(overrides or {}))._resolved_params()


#: Parameters the CLI reaches through other flags than their own (objects, not command-line values).
CLI_ELSEWHERE = {"trim_rule": "--keep-words/--drop-words", "init_vectors": "--init-from VECTORS"}


# ------------------------------------------------------------------------------------------ the CLI
def _number(kind: type) -> Callable[[str], Any]:
    name = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}") from None

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


def _positive_int(text: str) -> int:
    value = _number(int)(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _default_text(p: Parameter) -> str | None:
    if callable(p.flag.default_help):
        return p.flag.default_help()
    if p.flag.default_help is not None:
        return p.flag.default_help
    if p.default is None or isinstance(p.default, bool):
        return None
    return f"{p.default:g}" if isinstance(p.default, float) else str(p.default)


def flag_arguments(p: Parameter) -> tuple[str, dict]:
    """The ``add_argument`` spelling and keywords of parameter ``p``'s flag (type, choices, default, help)."""
    kwargs: dict[str, Any] = {"dest": p.name, "default": p.default}
    numbers = [c for c in p.constraints if isinstance(c, Interval)]
    choices = [c for c in p.constraints if isinstance(c, (Options, Registered))]
    if BOOL in p.constraints:
        kwargs["action"] = "store_false" if p.default else "store_true"
    elif choices:
        kwargs["choices"] = choices[0].choices()
    elif numbers:
        interval = numbers[0]
        positive = interval.kind is int and interval.low is not None and interval.low >= 1
        kwargs["type"] = _positive_int if positive else _number(interval.kind)
    if p.flag.metavar is not None:
        kwargs["metavar"] = p.flag.metavar
    default = _default_text(p)
    kwargs["help"] = p.flag.help + (f" (default: {default})" if default is not None else "")
    return p.spelling, kwargs


def add_flags(groups: Mapping[str, Any]) -> None:
    """Add one flag per parameter of the table to the argparse group named by its ``Flag.group``."""
    for p in _TABLE:
        if p.flag is not None:
            spelling, kwargs = flag_arguments(p)
            groups[p.flag.group].add_argument(spelling, **kwargs)


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The ``Word2Vec`` keyword arguments that ``add_flags``' flags parsed into ``args``."""
    return {p.name: getattr(args, p.name) for p in _TABLE if p.flag is not None}
