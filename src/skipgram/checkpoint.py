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
    """Read a checkpoint (or a saved model); raises :class:`FormatError` naming what is wrong."""
    metadata, arrays = read_container(path, expect_kind=KIND)
    try:
        counts = np.asarray(arrays["counts"], dtype=np.int64)
        words = decode_words(arrays["words"], len(counts), source=f"{os.fspath(path)}: words")
        vocab = Vocabulary(words, counts, int(metadata["vocab_raw_total"]))
        w_in = np.array(arrays["input_vectors"], dtype=np.float32)
        w_out = np.array(arrays["output_vectors"], dtype=np.float32)
        state = TrainingState.from_dict(metadata["state"])
        params = dict(metadata["params"])
        corpus = dict(metadata["corpus"])
        continuation = metadata.get("continuation")
        continuation = dict(continuation) if continuation is not None else None
        lock_factor = arrays.get("lock_factor")
        lock_factor = np.array(lock_factor, dtype=np.float32) if lock_factor is not None else None
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{os.fspath(path)}: checkpoint is missing or has a bad field: {exc}") from None
    if w_in.ndim != 2 or w_in.shape[0] != len(words) or w_out.ndim != 2 or w_out.shape[1] != w_in.shape[1]:
        raise FormatError(
            f"{os.fspath(path)}: matrix shapes {w_in.shape} and {w_out.shape} do not fit "
            f"a vocabulary of {len(words)} words"
        )
    if lock_factor is not None and lock_factor.shape != (len(words),):
        raise FormatError(
            f"{os.fspath(path)}: lock_factor has shape {lock_factor.shape}, not ({len(words)},)"
        )
    return Checkpoint(params, vocab, w_in, w_out, state, corpus, continuation, lock_factor)
