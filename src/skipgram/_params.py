"""The table of constraints on ``Word2Vec``'s parameters, and the checks that involve several of them."""

from __future__ import annotations

import os
from collections.abc import Callable

from ._validation import BOOL, NONE, InstanceOf, Interval, Options
from .errors import ParameterError
from .vectors import KeyedVectors

PARAMETER_CONSTRAINTS = {
    "vector_size": [Interval(int, 1, 10_000)],
    "window": [Interval(int, 1, 1_000)],
    "min_count": [Interval(int, 1, None)],
    "max_vocab_size": [NONE, Interval(int, 1, None)],
    "sample": [Interval(float, 0.0, 1.0)],
    "negative": [Interval(int, 1, 1_000)],
    "ns_exponent": [Interval(float, -10.0, 10.0)],
    "loss": [Options(("negative", "softmax", "hierarchical"))],
    "architecture": [Options(("skipgram", "cbow"))],
    "lr": [NONE, Interval(float, 0.0, 10.0, closed="right")],
    "min_lr": [NONE, Interval(float, 0.0, 10.0)],
    "epochs": [Interval(int, 1, None)],
    "workers": [NONE, Interval(int, 1, 4096)],
    "seed": [Interval(int, 0, 2**63 - 1)],
    "output": [Options(("input", "average"))],
    "max_sentence_length": [Interval(int, 1, None)],
    "stop_words": [
        NONE,
        InstanceOf((str, list, tuple, set, frozenset), "'english' or a list of words"),
    ],
    "batch_words": [Interval(int, 1, None)],
    "shrink_windows": [BOOL],
    "shared_negatives": [BOOL],
    "backend": [InstanceOf((str,), "the name of a registered engine (skipgram.engines.engine_names())")],
    "device": [NONE, InstanceOf((str,), "a device name such as 'cuda' or 'cpu'")],
    "batch_size": [NONE, Interval(int, 1, None)],
    "allow_slow_softmax": [BOOL],
    "cache_dir": [NONE, InstanceOf((str, os.PathLike), "a folder path")],
    "progress": [BOOL],
    # growth (issue 10): vocabulary control and starting from existing vectors
    "trim_rule": [NONE, InstanceOf((Callable,), "a callable rule(word, count, min_count) -> int")],
    "max_final_vocab": [NONE, Interval(int, 1, None)],
    "init_vectors": [
        NONE,
        InstanceOf((str, os.PathLike, KeyedVectors), "a KeyedVectors or a vectors file path"),
    ],
    "lock_init": [BOOL],
}

# Parameters that change what training computes: a checkpoint resumes only with the same values.
TRAINING_KEYS = (
    "vector_size", "window", "min_count", "max_vocab_size", "sample", "negative", "ns_exponent", "loss",
    "architecture", "lr", "min_lr", "epochs", "seed", "output", "max_sentence_length", "stop_words",
    "shrink_windows", "shared_negatives", "max_final_vocab", "init_vectors", "lock_init",
)  # fmt: skip


def check_consistency(params: dict) -> None:
    """Checks that involve more than one parameter (the engine's capabilities among them)."""
    from .engines import unsupported_objective

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
