"""The contract between ``Word2Vec`` and a training engine (numba CPU, PyTorch, distributed, ...).

``Word2Vec.fit`` builds one :class:`TrainingSetup` (vocabulary, encoded corpus, sampling tables, both
matrices, the learning-rate schedule; see :func:`skipgram._setup.make_setup`) and owns everything
around training: epochs, progress, loss reporting, callbacks and checkpoints. An engine owns only the
training step. It trains one epoch at a time from a resumable position and talks back through
:class:`TrainingHooks`:

- ``on_progress`` with counters since the last call (cheap; called often, from one thread);
- ``wants_safe_point``, polled between chunks or batches; when it returns True the engine finishes the
  work in flight, makes ``setup.input_vectors``/``output_vectors`` current, and calls
  ``on_safe_point(epoch, position)``: everything before ``position`` (a word offset into the epoch, one
  of the engine's :meth:`Backend.safe_positions`) is trained and nothing after it. Checkpoints happen
  there.
- ``should_stop``, polled like ``wants_safe_point``: the user asked to stop (Ctrl-C, SIGTERM, a
  callback);
- ``stop_at``: when set, the engine stops at the first safe position at or after it (the distributed
  engine uses this to end a round on every rank at an agreed place).

An engine is described by an :class:`EngineSpec` (its capabilities, options and a lazy loader) in
``engines/NAME/spec.py`` and listed in :mod:`skipgram.engines`; nothing else needs to change to add one.

Direction of the skip-gram update, in every engine: for a (centre, context) pair, the context word's row
of W predicts the centre word's row of W' (the C tool's and gensim's order). The seed notes write the
mirror image (h = xW for the centre, z = hW'ᵀ over the contexts); every pair occurs in both orders over a
corpus, so both see the same pairs, and this one lets a window share one set of noise words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

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


@runtime_checkable
class CorpusView(Protocol):
    """What an engine may read of the encoded corpus (:class:`skipgram.corpus.EncodedCorpus`, or a
    shard of it, :class:`skipgram.engines.distributed.ShardView`)."""

    ids: np.ndarray  # int32[n], maybe a memory map: read through slice()
    offsets: np.ndarray  # int64[n_sentences + 1]; offsets[0] == 0, offsets[-1] == n
    raw_words: int  # tokens read from the text, unknown words included

    def __len__(self) -> int: ...

    @property
    def n_sentences(self) -> int: ...

    def slice(self, start: int, stop: int) -> np.ndarray:
        """``ids[start:stop]`` as an in-memory int32 array."""
        ...


@dataclass
class TrainingSetup:
    """Everything an engine needs; built once per run by :func:`skipgram._setup.make_setup`.

    Arrays are NumPy and owned by the model: the numba engine updates ``input_vectors`` and
    ``output_vectors`` in place; the torch engine copies them to its device and writes them back in
    ``pull``. ``output_vectors`` has V rows for negative sampling and full softmax, and V - 1 rows (one per
    inner node of the Huffman tree) for hierarchical softmax.
    """

    corpus: CorpusView
    counts: np.ndarray  # int64[V], frequency order
    keep_prob: np.ndarray  # float32[V], subsampling keep probability
    noise_prob: np.ndarray  # float64[V], count**ns_exponent normalised
    alias_prob: np.ndarray  # float32[V], Vose alias table over noise_prob
    alias_index: np.ndarray  # int32[V]
    input_vectors: np.ndarray  # float32[V, D]: W
    output_vectors: np.ndarray  # float32[V or V-1, D]: W'
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
    batch_size: int  # pairs per minibatch (full softmax, minibatch engines)
    shared_negatives: bool = True  # one set of noise words per window (every engine honours it)
    device: str | None = None
    hs_codes: np.ndarray | None = None  # uint8[V, max_depth] Huffman codes (hierarchical softmax)
    hs_points: np.ndarray | None = None  # int32[V, max_depth] inner-node ids on each word's path
    hs_lengths: np.ndarray | None = None  # int32[V] path length
    options: Any = None  # the engine's options (its EngineSpec.options dataclass), or None
    distributed: Any = None  # DistributedOptions under torchrun, else None

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
    """Callbacks from an engine to its caller; this base class does nothing and never stops."""

    #: Stop at the first safe position at or after this word offset (None: run to the epoch's end).
    stop_at: int | None = None

    def on_progress(self, words: int, effective_words: int, loss_sum: float, n_predictions: int) -> None:
        """Counters since the previous call."""

    def wants_safe_point(self) -> bool:
        return False

    def on_safe_point(self, epoch: int, position: int) -> None:
        """Parameters are current and everything before ``position`` is trained."""

    def should_stop(self) -> bool:
        return False


class Backend(Protocol):
    """A training engine, constructed as ``BackendClass(setup)``."""

    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        """Train epoch ``epoch`` (0-based) from word offset ``start`` (a safe position) to the end, or
        until ``hooks.should_stop()`` or ``hooks.stop_at``; ``position`` says where it stopped."""
        ...

    def pull(self) -> None:
        """Make ``setup.input_vectors``/``output_vectors`` hold the current parameters."""
        ...

    def push(self) -> None:
        """The setup's arrays were changed from outside (resume, averaging): use them from now on."""
        ...

    def safe_positions(self) -> np.ndarray:
        """Sorted int64 word offsets where an epoch can stop and resume; 0 and ``len(corpus)`` included."""
        ...

    def parameters(self) -> list[Any]:
        """The live W and W' (NumPy arrays or torch tensors) that training updates, for collectives.

        Changing them in place changes the model; the engine needs no ``push`` afterwards.
        """
        ...


@dataclass(frozen=True)
class Capabilities:
    """What an engine can train; ``Word2Vec`` asks this instead of testing engine names."""

    objectives: frozenset[tuple[str, str]]  # supported (architecture, loss) pairs
    default_batch_size: int | None = None  # pairs per minibatch when the user gives none (None: unused)

    def supports(self, architecture: str, loss: str) -> bool:
        return (architecture, loss) in self.objectives

    def describe(self) -> str:
        return ", ".join(f"{a} with loss={loss!r}" for a, loss in sorted(self.objectives))


@dataclass(frozen=True)
class EngineSpec:
    """One engine: its name, what it can do, its options, and how to load it (lazily).

    ``load()`` imports the engine's module (numba, torch, ...) only when the engine is used.
    ``options`` is a frozen dataclass whose fields are Word2Vec parameters the engine reads
    (:func:`options_from_params` fills it). ``epoch_seconds_estimate(setup)`` may predict the time of an
    epoch, so that hopeless runs (the full softmax over a large vocabulary) are refused before they start.
    ``available()`` returns None when the engine can run here, else one line saying why not.
    """

    name: str
    summary: str
    capabilities: Capabilities
    load: Callable[[], type]
    options: type | None = None
    epoch_seconds_estimate: Callable[[TrainingSetup], float | None] | None = None
    available: Callable[[], str | None] = field(default=lambda: None)

    def options_from_params(self, params: dict) -> Any:
        """The engine's options dataclass filled from the resolved Word2Vec parameters."""
        if self.options is None:
            return None
        names = [f for f in self.options.__dataclass_fields__ if f in params]
        return self.options(**{name: params[name] for name in names})
