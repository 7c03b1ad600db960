"""Everything a checkpoint must satisfy before a kernel sees its arrays.

The numba kernels have no bounds checks: a W with fewer rows than the vocabulary, a W' of the wrong
size for hierarchical softmax, a position past the corpus, or NaN values would read or write out
of bounds or train garbage. :func:`check_checkpoint` checks each array against the header and the
others and raises one :class:`~skipgram.errors.FormatError` naming the file and the field.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._params import PARAMETER_CONSTRAINTS, check_consistency
from ._validation import validate_params
from .errors import FormatError, ParameterError

# Rows per block when checking for NaN/inf, so the temporary boolean array stays small.
_ROWS_PER_BLOCK = 65536
# Parameters a checkpoint must hold: those that decide array shapes and how the kernels run.
REQUIRED_PARAMS = ("vector_size", "loss", "architecture", "epochs", "window", "negative")


def is_int(value: Any) -> bool:
    """A real integer (a JSON int), not a bool or a float."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_params(path: str, params: Any) -> dict:
    """The saved parameters must be valid for ``Word2Vec`` (the table of constraints)."""
    if not isinstance(params, Mapping):
        raise FormatError(f"{path}: the checkpoint's 'params' is not a JSON object")
    missing = [name for name in REQUIRED_PARAMS if name not in params]
    if missing:
        raise FormatError(f"{path}: the checkpoint's params lack {', '.join(missing)}")
    params = dict(params)
    # Objects are saved by their description only (a trim rule's name, an init vectors path): a string.
    by_name = {k for k in ("trim_rule", "init_vectors") if isinstance(params.get(k), str)}
    checked = {k: v for k, v in params.items() if k not in by_name}
    try:
        validate_params(checked, PARAMETER_CONSTRAINTS, "the checkpoint")
        check_consistency({**_CONSISTENCY_DEFAULTS, **params})
    except ParameterError as exc:
        raise FormatError(f"{path}: invalid parameters: {exc}") from None
    return params


_CONSISTENCY_DEFAULTS = {"output": "input", "backend": "numba", "lr": None, "min_lr": None}


def check_finite_rows(path: str, name: str, matrix: np.ndarray) -> None:
    """NaN or infinity in a saved matrix is corruption, not divergence: say so, with the row."""
    for start in range(0, len(matrix), _ROWS_PER_BLOCK):
        ok = np.isfinite(matrix[start : start + _ROWS_PER_BLOCK]).all(axis=1)
        if not ok.all():
            row = start + int(np.argmin(ok))
            raise FormatError(
                f"{path}: {name} row {row} holds NaN or infinity: the file is corrupted "
                "(a healthy run never saves non-finite vectors)"
            )


def check_counts(path: str, counts: np.ndarray, words: list[str]) -> None:
    """Counts: 1-D integers, not negative, in vocabulary order (descending, ties by word)."""
    if counts.ndim != 1 or counts.dtype.kind not in "iu":
        raise FormatError(f"{path}: 'counts' must be a 1-D integer array; got {counts.dtype} {counts.shape}")
    if len(counts) and int(counts.min()) < 0:
        raise FormatError(f"{path}: 'counts' holds a negative count at word #{int(np.argmin(counts))}")
    if len(counts) > 1:
        rising = np.flatnonzero(counts[1:] > counts[:-1])
        if len(rising):
            raise FormatError(
                f"{path}: 'counts' is not in vocabulary order (descending): word #{int(rising[0]) + 1} "
                "is more frequent than the one before it"
            )
        for i in np.flatnonzero(counts[1:] == counts[:-1]).tolist():
            if not words[i] < words[i + 1]:
                raise FormatError(
                    f"{path}: words #{i} and #{i + 1} have equal counts but are not in word order"
                )


def check_matrices(path: str, params: dict, n_words: int, w_in: np.ndarray, w_out: np.ndarray) -> None:
    """W: one row per word; W': one per word (per inner Huffman node for hierarchical softmax)."""
    dim = params["vector_size"]
    hs = params["loss"] == "hierarchical"
    expected_out = max(1, n_words - 1) if hs else n_words
    for name, matrix, rows in (("input_vectors", w_in, n_words), ("output_vectors", w_out, expected_out)):
        if matrix.dtype != np.float32:
            raise FormatError(f"{path}: {name!r} has dtype {matrix.dtype}; a checkpoint stores float32")
        if matrix.shape != (rows, dim):
            what = "inner Huffman nodes (vocabulary - 1)" if name == "output_vectors" and hs else "words"
            raise FormatError(
                f"{path}: {name!r} has shape {tuple(matrix.shape)}, expected ({rows}, {dim}): "
                f"{rows} {what} x vector_size {dim}"
            )
        check_finite_rows(path, repr(name), matrix)


def check_position(path: str, state: Any, params: dict, corpus: Mapping) -> None:
    """epoch in [0, epochs], position in [0, words of the corpus] (0 once all epochs are done)."""
    epoch, position = state.epoch, state.position
    if not (is_int(epoch) and 0 <= epoch <= params["epochs"]):
        raise FormatError(f"{path}: the saved epoch {epoch!r} is outside [0, {params['epochs']}]")
    words = corpus.get("words")
    if words is not None and not (is_int(words) and words >= 0):
        raise FormatError(f"{path}: the corpus word count {words!r} is not a count")
    upper = words if words is not None else None
    if not is_int(position) or position < 0 or (upper is not None and position > upper):
        limit = f"[0, {upper}]" if upper is not None else "[0, inf)"
        raise FormatError(f"{path}: the saved position {position!r} is outside {limit}")
    if epoch == params["epochs"] and position != 0:
        raise FormatError(f"{path}: the saved position {position} lies after the last epoch")


def check_corpus_info(path: str, corpus: Any) -> dict:
    if not isinstance(corpus, Mapping):
        raise FormatError(f"{path}: the checkpoint's 'corpus' is not a JSON object")
    for key in ("words", "raw_words", "sentences"):
        value = corpus.get(key)
        if value is not None and not (is_int(value) and value >= 0):
            raise FormatError(f"{path}: the corpus field {key!r} ({value!r}) is not a count")
    digest = corpus.get("ids_blake2b")
    if digest is not None and not isinstance(digest, str):
        raise FormatError(f"{path}: the corpus fingerprint is not a string")
    return dict(corpus)
