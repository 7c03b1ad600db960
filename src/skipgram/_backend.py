"""The contract between ``Word2Vec.fit`` and a training engine (numba CPU, PyTorch, distributed).

``Word2Vec.fit`` builds one :class:`TrainingSetup` (vocabulary, encoded corpus, sampling tables, both
matrices, the learning-rate schedule) and owns everything around training: epochs, progress, loss
reporting, callbacks and checkpoints. A backend owns only the training step. It trains one epoch at a
time from a resumable position and talks back through :class:`TrainingHooks`:

- ``on_progress`` with counters since the last call (cheap; called often, from one thread);
- ``wants_safe_point``, polled between chunks or batches; when it returns True the backend finishes the
  work in flight, makes ``setup.input_vectors``/``output_vectors`` current, and calls
  ``on_safe_point(epoch, position)``: everything before ``position`` (a word offset into the epoch, at a
  chunk boundary) is trained and nothing after it. Checkpoints and distributed averaging happen there.
- ``should_stop``, polled like ``wants_safe_point``: the user asked to stop (Ctrl-C, a callback).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class LearningRateSchedule:
    """Linear decay from ``start`` to ``end`` over ``total_words`` corpus words (all epochs).

    Examples
    --------
    >>> LearningRateSchedule(0.025, 0.0, 100).at(50)
    0.0125
    """

    start: float
    end: float
    total_words: int

    def at(self, words_done: float) -> float:
        progress = min(1.0, max(0.0, words_done / max(1, self.total_words)))
        return self.start - (self.start - self.end) * progress


@dataclass
class TrainingSetup:
    """Everything a backend needs; built once by ``Word2Vec.fit``.

    Arrays are NumPy and owned by the model: the numba backend updates ``input_vectors`` and
    ``output_vectors`` in place; the torch backend copies them to its device and writes them back in
    ``pull``. ``output_vectors`` has V rows for negative sampling and full softmax, and V - 1 rows (one per
    inner node of the Huffman tree) for hierarchical softmax.
    """

    corpus: Any  # skipgram.corpus.EncodedCorpus
    counts: np.ndarray  # int64[V], frequency order
    keep_prob: np.ndarray  # float32[V], subsampling keep probability
    noise_prob: np.ndarray  # float64[V], count**ns_exponent normalised
    alias_prob: np.ndarray  # float32[V], Vose alias table over noise_prob
    alias_index: np.ndarray  # int32[V]
    input_vectors: np.ndarray  # float32[V, D]: W, the centre-word vectors
    output_vectors: np.ndarray  # float32[V or V-1, D]: W', the context-word vectors
    schedule: LearningRateSchedule
    architecture: str  # "skipgram" | "cbow"
    loss: str  # "negative" | "softmax" | "hierarchical"
    window: int
    negative: int
    shrink_windows: bool
    epochs: int
    batch_words: int
    workers: int
    seed: int
    batch_size: int  # pairs per minibatch (full softmax and the torch backend)
    device: str | None = None
    hs_codes: np.ndarray | None = None  # uint8[V, max_depth] Huffman codes (hierarchical softmax)
    hs_points: np.ndarray | None = None  # int32[V, max_depth] inner-node ids on each word's path
    hs_lengths: np.ndarray | None = None  # int32[V] path length
    extra: dict = field(default_factory=dict)  # backend-specific options (e.g. mixed precision)

    @property
    def vocab_size(self) -> int:
        return int(self.counts.shape[0])

    @property
    def vector_size(self) -> int:
        return int(self.input_vectors.shape[1])


@dataclass
class EpochResult:
    """Totals for the part of an epoch a ``train_epoch`` call trained."""

    loss_sum: float = 0.0  # float64 sum over predictions
    n_predictions: int = 0  # loss terms: (centre, context) pairs for skip-gram, centre words for CBOW
    words: int = 0  # corpus words (ids) processed, before subsampling
    effective_words: int = 0  # words kept by subsampling
    position: int = 0  # word offset reached in the epoch; len(corpus) when the epoch is complete

    def add(self, other: EpochResult) -> None:
        self.loss_sum += other.loss_sum
        self.n_predictions += other.n_predictions
        self.words += other.words
        self.effective_words += other.effective_words


class TrainingHooks:
    """Callbacks from a backend to the model; this base class does nothing."""

    def on_progress(self, words: int, effective_words: int, loss_sum: float, n_predictions: int) -> None:
        """Counters since the previous call."""

    def wants_safe_point(self) -> bool:
        return False

    def on_safe_point(self, epoch: int, position: int) -> None:
        """Parameters are current and everything before ``position`` is trained."""

    def should_stop(self) -> bool:
        return False


class Backend(Protocol):
    """A training engine. Constructed with ``Backend(setup)``."""

    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        """Train epoch ``epoch`` (0-based) from word offset ``start`` to the end, or until
        ``hooks.should_stop()``; the returned ``position`` says where it stopped."""
        ...

    def pull(self) -> None:
        """Make ``setup.input_vectors``/``output_vectors`` hold the current parameters."""
        ...

    def push(self) -> None:
        """The setup's arrays were changed from outside (resume, averaging): use them from now on."""
        ...
