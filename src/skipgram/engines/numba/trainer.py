"""The default backend: numba kernels on lock-free (Hogwild) threads.

The epoch is cut into chunks of whole sentences (about ``batch_words`` words each). Worker threads take
chunks in order and call a ``nogil`` kernel on each, updating the shared matrices without locks, as the C
tool, gensim and fastText do. Each chunk's randomness is seeded from (seed, epoch, chunk), and its learning
rate comes from its position in the corpus, so a chunk trains the same way whichever thread runs it and
whenever it is resumed. With ``workers=1`` the chunks run on the calling thread and training is
bit-reproducible; with more, updates race and it is not.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import time
from collections.abc import Callable
from importlib import import_module

import numpy as np

from ..base import EpochResult, TrainingHooks, TrainingSetup

logger = logging.getLogger(__name__)

ChunkResult = tuple[float, int, int]  # (loss_sum, n_predictions, n_effective_words)


def plan_chunks(offsets: np.ndarray, batch_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Group consecutive sentences into chunks of about ``batch_words`` words.

    Returns ``(word_bounds, sentence_bounds)``: chunk ``c`` covers words
    ``word_bounds[c]:word_bounds[c + 1]`` and sentences ``sentence_bounds[c]:sentence_bounds[c + 1]``.
    A sentence is never split; a chunk holds every sentence that starts in its ``batch_words`` block.

    Examples
    --------
    >>> plan_chunks(np.array([0, 3, 5, 12, 13]), 5)
    (array([ 0,  5, 12, 13]), array([0, 2, 3, 4]))
    """
    starts = np.asarray(offsets[:-1], dtype=np.int64)
    if starts.size == 0:
        return np.zeros(1, np.int64), np.zeros(1, np.int64)
    block = starts // batch_words
    first = np.flatnonzero(np.diff(block, prepend=-1))
    sentence_bounds = np.append(first, starts.size).astype(np.int64)
    word_bounds = np.asarray(offsets, dtype=np.int64)[sentence_bounds]
    return word_bounds, sentence_bounds


# The kernel for each objective: (architecture, loss, shared noise words) -> (module, function, calling
# convention). ``None`` in the last place: the kernel is the same either way (only skip-gram with negative
# sampling has a window-batched variant).
_KERNELS = {
    ("skipgram", "negative", True): ("kernels", "skipgram_negative_chunk", "negative"),
    ("skipgram", "negative", False): ("kernels", "skipgram_negative_pairs_chunk", "negative"),
    ("cbow", "negative", None): ("kernels", "cbow_negative_chunk", "negative"),
    ("skipgram", "hierarchical", None): ("kernels_hs", "skipgram_hierarchical_chunk", "hierarchical"),
    ("cbow", "hierarchical", None): ("kernels_hs", "cbow_hierarchical_chunk", "hierarchical"),
    ("skipgram", "softmax", None): ("softmax", "softmax_chunk", "softmax"),
}

#: The (architecture, loss) pairs this engine trains.
OBJECTIVES = frozenset((architecture, loss) for architecture, loss, _ in _KERNELS)


def _kernel_for(setup: TrainingSetup) -> tuple[Callable, str]:
    entry = _KERNELS.get((setup.architecture, setup.loss, bool(setup.shared_negatives)))
    entry = entry or _KERNELS[(setup.architecture, setup.loss, None)]
    module, name, convention = entry
    return getattr(import_module(f"{__package__}.{module}"), name), convention


def _chunk_function(setup: TrainingSetup) -> Callable[..., ChunkResult]:
    """The kernel for this objective, wrapped to take only what changes from chunk to chunk."""
    s = setup
    kernel, convention = _kernel_for(s)
    w_in, w_out, keep = s.input_vectors, s.output_vectors, s.keep_prob
    if convention == "negative":
        fixed = (w_in, w_out, keep, s.alias_prob, s.alias_index, s.window, s.negative, s.shrink_windows)
    elif convention == "hierarchical":
        fixed = (w_in, w_out, keep, s.hs_codes, s.hs_points, s.hs_lengths, s.window, s.shrink_windows)
    else:
        fixed = (w_in, w_out, keep, s.window, s.shrink_windows)
    tail = (s.batch_size,) if convention == "softmax" else ()

    def run(ids, bounds, lr_start, lr_end, epoch, chunk, buffer):
        return kernel(ids, bounds, *fixed, lr_start, lr_end, s.seed, epoch, chunk, *tail, buffer)

    return run


class NumbaBackend:
    """Train with numba kernels on ``setup.workers`` threads (see the module docstring)."""

    def __init__(self, setup: TrainingSetup):
        self.setup = setup
        corpus = setup.corpus
        self.offsets = np.asarray(corpus.offsets, dtype=np.int64)
        self.word_bounds, self.sentence_bounds = plan_chunks(self.offsets, setup.batch_words)
        self.n_chunks = len(self.word_bounds) - 1
        self.words_per_epoch = len(corpus)
        lengths = np.diff(self.offsets)
        self.max_sentence = int(lengths.max()) if lengths.size else 1
        self._run_chunk = _chunk_function(setup)
        self.last_position = 0
        # Compile (or load from numba's disk cache) before the first epoch's clock starts, so that
        # epoch 1's words/s measures training, not the one-off compilation.
        began = time.perf_counter()
        empty = np.zeros(0, np.int32)
        self._run_chunk(empty, np.zeros(2, np.int64), 0.0, 0.0, 0, 0, np.zeros(1, np.int32))
        logger.info("kernel ready in %.1f s", time.perf_counter() - began)

    # The model's arrays are updated in place: nothing to copy.
    def pull(self) -> None:
        pass

    def push(self) -> None:
        pass

    def safe_positions(self) -> np.ndarray:
        """The chunk boundaries: an epoch can stop and resume at any of them."""
        return self.word_bounds

    def parameters(self) -> list[np.ndarray]:
        return [self.setup.input_vectors, self.setup.output_vectors]

    def _chunk_index(self, position: int) -> int:
        index = int(np.searchsorted(self.word_bounds, position, side="left"))
        if index > self.n_chunks or self.word_bounds[min(index, self.n_chunks)] != position:
            raise ValueError(f"position {position} is not a chunk boundary of this corpus")
        return index

    def _train_chunk(self, epoch: int, chunk: int, buffer: np.ndarray) -> ChunkResult:
        setup = self.setup
        first_word, last_word = int(self.word_bounds[chunk]), int(self.word_bounds[chunk + 1])
        s0, s1 = int(self.sentence_bounds[chunk]), int(self.sentence_bounds[chunk + 1])
        ids = setup.corpus.slice(first_word, last_word)
        bounds = self.offsets[s0 : s1 + 1] - first_word
        done = epoch * self.words_per_epoch
        lr_start = setup.schedule.at(done + first_word)
        lr_end = setup.schedule.at(done + last_word)
        loss, n_pred, n_eff = self._run_chunk(ids, bounds, lr_start, lr_end, epoch, chunk, buffer)
        return float(loss), int(n_pred), int(n_eff)

    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        first_chunk = self._chunk_index(start)
        result = EpochResult(position=start)
        self.last_position = start
        workers = max(1, int(self.setup.workers))
        buffers = collections.deque(np.empty(self.max_sentence, np.int32) for _ in range(workers))

        def account(chunk: int, outcome: ChunkResult) -> None:
            loss, n_pred, n_eff = outcome
            words = int(self.word_bounds[chunk + 1] - self.word_bounds[chunk])
            result.add(EpochResult(loss, n_pred, words, n_eff))
            hooks.on_progress(words, n_eff, loss, n_pred)

        if workers == 1:
            for chunk in range(first_chunk, self.n_chunks):
                if self._pause(epoch, chunk, hooks, result):
                    return result
                account(chunk, self._train_chunk(epoch, chunk, buffers[0]))
                result.position = self.last_position = int(self.word_bounds[chunk + 1])
            return result

        # Keep two chunks per worker in flight; results are consumed in submission order, so at any
        # moment "everything before `position`" is well defined.
        in_flight: collections.deque = collections.deque()
        buffers.extend(np.empty(self.max_sentence, np.int32) for _ in range(workers))
        chunk = first_chunk
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="skipgram") as pool:
            try:
                while chunk < self.n_chunks or in_flight:
                    while chunk < self.n_chunks and len(in_flight) < 2 * workers:
                        if hooks.wants_safe_point() or hooks.should_stop() or self._at_stop(chunk, hooks):
                            self._drain(in_flight, buffers, account, result)
                            if self._pause(epoch, chunk, hooks, result):
                                return result
                        buffer = buffers.popleft()
                        in_flight.append(
                            (chunk, pool.submit(self._train_chunk, epoch, chunk, buffer), buffer)
                        )
                        chunk += 1
                    if in_flight:
                        self._collect_one(in_flight, buffers, account, result)
            except BaseException:
                # Ctrl-C or a failed chunk: let the chunks in flight finish so that the matrices are
                # consistent and `last_position` is exact, then re-raise for the model to checkpoint.
                self._settle(in_flight, result)
                raise
        return result

    def _collect_one(self, in_flight, buffers, account, result) -> None:
        chunk, future, buffer = in_flight.popleft()
        outcome = future.result()
        buffers.append(buffer)
        account(chunk, outcome)
        result.position = self.last_position = int(self.word_bounds[chunk + 1])

    def _drain(self, in_flight, buffers, account, result) -> None:
        while in_flight:
            self._collect_one(in_flight, buffers, account, result)

    def _settle(self, in_flight, result) -> None:
        """Wait for every chunk in flight; advance the position over those that completed in order."""
        concurrent.futures.wait([future for _, future, _ in in_flight])
        while in_flight and in_flight[0][1].exception() is None:
            chunk = in_flight.popleft()[0]
            self.last_position = result.position = int(self.word_bounds[chunk + 1])
        in_flight.clear()

    def _at_stop(self, chunk: int, hooks: TrainingHooks) -> bool:
        """True when chunk ``chunk`` starts at or after ``hooks.stop_at``."""
        return hooks.stop_at is not None and int(self.word_bounds[chunk]) >= hooks.stop_at

    def _pause(self, epoch: int, chunk: int, hooks: TrainingHooks, result: EpochResult) -> bool:
        """At a chunk boundary with nothing in flight: offer a safe point; True means stop."""
        position = int(self.word_bounds[chunk])
        if hooks.wants_safe_point():
            hooks.on_safe_point(epoch, position)
        if hooks.should_stop() or self._at_stop(chunk, hooks):
            result.position = self.last_position = position
            return True
        return False
