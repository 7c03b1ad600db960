"""The table of constraints on ``Word2Vec``'s parameters, and the checks that involve several of them."""

from __future__ import annotations

import os

from ._validation import BOOL, NONE, InstanceOf, Interval, Options
from .errors import ParameterError

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
}

# Parameters that change what training computes: a checkpoint resumes only with the same values.
TRAINING_KEYS = (
    "vector_size", "window", "min_count", "max_vocab_size", "sample", "negative", "ns_exponent", "loss",
    "architecture", "lr", "min_lr", "epochs", "seed", "output", "max_sentence_length", "stop_words",
    "shrink_windows", "shared_negatives",
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
