"""Training checkpoints: both matrices, the vocabulary, the parameters and the position, in one file.

A checkpoint is a native skipgram container of kind ``"checkpoint"`` (see :mod:`skipgram.io`): no pickle,
written atomically, so a crash while saving leaves the previous checkpoint intact. ``Word2Vec.save``
writes the same file at the end of training, so a saved model can be loaded, queried or trained further.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _checkpoint_checks as checks
from .errors import FormatError
from .io import decode_words, encode_words, read_container, write_container
from .vocab import Vocabulary

KIND = "checkpoint"


@dataclass
class TrainingState:
    """Where training stands: the next word to train is ``position`` of epoch ``epoch`` (0-based)."""

    epoch: int = 0
    position: int = 0
    training_log: list[dict] = field(default_factory=list)
    loss_curve: list[list[float]] = field(default_factory=list)  # [words_done, mean loss] per interval

    def to_dict(self) -> dict:
        return {
            "epoch": self.epoch,
            "position": self.position,
            "training_log": self.training_log,
            "loss_curve": self.loss_curve,
        }

    @classmethod
    def from_dict(cls, data: dict) -> TrainingState:
        return cls(
            epoch=int(data["epoch"]),
            position=int(data["position"]),
            training_log=list(data.get("training_log", [])),
            loss_curve=[list(p) for p in data.get("loss_curve", [])],
        )


@dataclass
class Checkpoint:
    """Everything needed to resume training or to rebuild the model."""

    params: dict
    vocab: Vocabulary
    input_vectors: np.ndarray
    output_vectors: np.ndarray
    state: TrainingState
    corpus: dict  # fingerprint of the encoded corpus: {"words": ..., "raw_words": ..., "sentences": ...}
    # For a run of Word2Vec.fit_more: what it continues ({"base": fingerprint of the model, ...}).
    continuation: dict | None = None
    lock_factor: np.ndarray | None = None  # float32[V] per-row factor on W updates (lock_init), or None


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically."""
    vocab = checkpoint.vocab
    arrays = {
        "input_vectors": checkpoint.input_vectors,
        "output_vectors": checkpoint.output_vectors,
        "words": encode_words(vocab.words),
        "counts": np.asarray(vocab.counts, dtype=np.int64),
    }
    if checkpoint.lock_factor is not None:
        arrays["lock_factor"] = np.asarray(checkpoint.lock_factor, dtype=np.float32)
    metadata: dict[str, Any] = {
        "params": checkpoint.params,
        "vocab_raw_total": int(vocab.raw_total),
        "state": checkpoint.state.to_dict(),
        "corpus": checkpoint.corpus,
    }
    if checkpoint.continuation is not None:
        metadata["continuation"] = checkpoint.continuation
    write_container(path, KIND, arrays, metadata)


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint (or a saved model); raises :class:`FormatError` naming what is wrong.

    Every array is checked against the header and the others before it is returned (see
    :mod:`skipgram._checkpoint_checks`): the training kernels have no bounds checks.
    """
    name = os.fspath(path)
    metadata, arrays = read_container(path, expect_kind=KIND)
    try:
        missing = [k for k in ("input_vectors", "output_vectors", "words", "counts") if k not in arrays]
        if missing:
            raise FormatError(f"{name}: the checkpoint has no {', '.join(repr(k) for k in missing)} array")
        params = checks.check_params(name, metadata["params"])
        raw_counts = arrays["counts"]
        if raw_counts.ndim != 1 or raw_counts.dtype.kind not in "iu":
            raise FormatError(f"{name}: 'counts' must be a 1-D integer array; got {raw_counts.dtype}")
        if raw_counts.dtype == np.uint64 and len(raw_counts) and int(raw_counts.max()) > 2**63 - 1:
            raise FormatError(f"{name}: 'counts' holds a count beyond the int64 range")
        counts = raw_counts.astype(np.int64)
        words = decode_words(arrays["words"], len(counts), source=f"{name}: words")
        checks.check_counts(name, counts, words)
        raw_total = metadata["vocab_raw_total"]
        if not checks.is_int(raw_total) or raw_total < 0:
            raise FormatError(f"{name}: 'vocab_raw_total' ({raw_total!r}) is not a count")
        vocab = Vocabulary(words, counts, raw_total)
        state = _state_from(name, metadata["state"])
        corpus = checks.check_corpus_info(name, metadata["corpus"])
        continuation = _continuation_from(name, metadata.get("continuation"))
        lock_factor = arrays.get("lock_factor")
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{name}: checkpoint is missing or has a bad field: {exc}") from None
    w_in, w_out = arrays["input_vectors"], arrays["output_vectors"]
    checks.check_matrices(name, params, len(words), w_in, w_out)
    checks.check_position(name, state, params, corpus)
    if lock_factor is not None:
        if lock_factor.shape != (len(words),) or lock_factor.dtype != np.float32:
            raise FormatError(f"{name}: lock_factor must be float32 of shape ({len(words)},)")
        if not np.isfinite(lock_factor).all() or (lock_factor < 0).any() or (lock_factor > 1).any():
            raise FormatError(f"{name}: lock_factor values must be in [0, 1]: the file is corrupted")
        lock_factor = np.array(lock_factor)
    return Checkpoint(params, vocab, w_in, w_out, state, corpus, continuation, lock_factor)


def _is_epoch_log(log) -> bool:
    """A list of epoch records: each with a numeric loss and, where recorded, a count of words."""
    return isinstance(log, list) and all(
        isinstance(entry, dict)
        and isinstance(entry.get("loss"), (int, float))
        and ("words" not in entry or (checks.is_int(entry["words"]) and entry["words"] >= 0))
        for entry in log
    )


def _continuation_from(name: str, data) -> dict | None:
    """The saved continuation record, with the fields fit_more computes with of the right type."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise FormatError(f"{name}: the checkpoint's 'continuation' is not a JSON object")
    before = data.get("words_before", 0)
    if not checks.is_int(before) or before < 0:
        raise FormatError(f"{name}: the continuation's 'words_before' ({before!r}) is not a count")
    if not _is_epoch_log(data.get("base_training_log", [])):
        raise FormatError(f"{name}: the continuation's base training log is not a list of epoch records")
    blend = data.get("blend", 0.0)
    if isinstance(blend, bool) or not isinstance(blend, (int, float)) or not 0.0 <= blend <= 1.0:
        raise FormatError(f"{name}: the continuation's 'blend' ({blend!r}) is not a weight in [0, 1]")
    return data


def _state_from(name: str, data) -> TrainingState:
    """The saved training state, with every field of the type it must have (no silent int("3"))."""
    if not isinstance(data, dict):
        raise FormatError(f"{name}: the checkpoint's 'state' is not a JSON object")
    for key in ("epoch", "position"):
        if not checks.is_int(data.get(key)):
            raise FormatError(f"{name}: the saved {key} ({data.get(key)!r}) is not an integer")
    log, curve = data.get("training_log", []), data.get("loss_curve", [])
    if not _is_epoch_log(log):
        raise FormatError(f"{name}: the saved training log is not a list of epoch records with a loss")
    if not isinstance(curve, list) or not all(
        isinstance(point, list) and len(point) == 2 and all(isinstance(v, (int, float)) for v in point)
        for point in curve
    ):
        raise FormatError(f"{name}: the saved loss curve is not a list of [words, loss] pairs")
    return TrainingState.from_dict(data)
