"""Data-parallel training on torch.distributed: many processes, GPUs or machines (``torchrun``).

    torchrun --standalone --nproc_per_node=2 -m skipgram train CORPUS -o OUT [--backend numba|torch]

Every rank reads the same corpus and builds the same vocabulary and tables (checked at the start:
vocabulary size, corpus length and a hash of the word counts must agree on every rank);
:class:`DistributedBackend` then gives each rank a contiguous range of sentences (nearly equal word
counts, :class:`ShardView`) and trains it with a local engine (numba on CPU,
:class:`~skipgram.engines.pytorch.trainer.TorchBackend` on a GPU).

Combination (:mod:`skipgram.engines.delta_sync`): each epoch is cut into the same number R of rounds
on every rank (about ``sync_words`` local words each). At a round's end the ranks all-reduce their
changes since the last combination (``W - last``) rather than the matrices, and each row gets the sum of
the changes (``sync_combine="sum"``): every rank's update counts fully, as Hogwild threads' do in one
process. Measured (bench/results/dist-quality-5m.md): at 2 ranks and 65,536 words per round it keeps
one process's quality; dividing by the ranks that moved the row (``"touched"``) or by N (``"average"``,
the rule before) lost 4-5 analogy points. At 4 ranks the plain sum diverges (the most frequent rows,
moved the same way by every rank, overshoot 4-fold), so the ``sync_mean_rows`` (256) most frequent
words' rows get the mean of the ranks' moves, and with shorter rounds (``sync_words=16384``, the
default) 2 and 4 ranks stay within 1 point of one process on 5M and 17M tokens (README has the table
and what lost quality).

The ``sync_hot_rows`` most frequent rows are combined every round, the long tail a block per round
(every row at least every ``sync_tail_rounds`` rounds), and every row at the epoch's end and before a
checkpoint, where all ranks hold identical matrices. Changes travel in bf16 by default
(``sync_precision``). Bytes and seconds of the combinations are counted (:class:`SyncStats`,
``backend.stats``) and logged per epoch by rank 0 (per round at DEBUG level).

The learning rate counts words across all ranks: a rank whose shard holds the fraction f of the
corpus sees the schedule stretched by f, so at the end of round r every rank is at the global
progress r/R and all reach ``min_lr`` together.

Failure: collectives run under a timeout (``timeout`` s, default 120). A rank whose peer process
died gets an error from gloo/NCCL at its next all-reduce (at once when the peer's sockets close, at
most ``timeout`` s when the peer hangs) and raises :class:`~skipgram.errors.TrainingError` naming
the peer. So the survivors stop within one round of training plus ``timeout`` seconds. Checkpoints
are written by the model on rank 0 only, atomically, at the round boundaries, so the last one stays
intact.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._dist_env import DEFAULT_TIMEOUT, _dist, init, is_distributed, local_rank
from .._validation import Interval, Options, validate_params
from ..errors import TrainingError
from .base import EpochResult, LearningRateSchedule, TrainingHooks, TrainingSetup

logger = logging.getLogger(__name__)

DEFAULT_SYNC_WORDS = 1 << 14  # local words per round: the measured setting (README, dist-quality-*.md)
DEFAULT_SYNC_HOT_ROWS = 16384  # most frequent rows, combined every round
DEFAULT_SYNC_TAIL_ROUNDS = 64  # the other rows: 1/64 of them per round, so each every 64 rounds
DEFAULT_SYNC_MEAN_ROWS = 256  # the most frequent words' rows: mean of the ranks' moves (sum diverges)
COMBINE_RULES = ("sum", "damped", "touched", "average")
WIRE_PRECISIONS = ("fp32", "bf16", "fp16")


@dataclass(frozen=True)
class DistributedOptions:
    """Word2Vec parameters that only the distributed engine reads.

    sync_words
        Local corpus words each rank trains between two synchronisations (a round).
    sync_hot_rows
        The most frequent rows of W and W' (vocabulary order) combined at every round's end.
    sync_tail_rounds
        The remaining rows are cut into this many blocks; round r combines block r mod this, so every
        row is combined at least every ``sync_tail_rounds`` rounds, and all rows at each epoch's end
        and before a checkpoint. 1 combines every row every round.
    sync_combine
        ``"sum"`` (default): the ranks' changes since the last combination are added up (each rank's
        update counts fully, as Hogwild threads' do in one process); ``"damped"``: the sum, scaled
        towards the mean where the ranks' changes agree; ``"touched"``: the sum divided by the number
        of ranks that moved the row; ``"average"``: divided by N (the parameters' mean, the rule
        before). The last three are kept for comparison: each lost quality where measured (README).
    sync_precision
        Number format of the changes on the wire: ``"fp32"``, ``"bf16"`` or ``"fp16"``. The rounding
        error of a round's change is not carried into the next one (no error feedback).
    sync_mean_rows
        With ``"sum"``: the rows of this many most frequent words (in W and W') get the mean of the
        ranks' changes instead of their sum. At 4 ranks the plain sum diverged; 256 with 16,384-word
        rounds kept one process's quality, 1,024 or more lost analogy points (README).
    """

    sync_words: int = DEFAULT_SYNC_WORDS
    sync_hot_rows: int = DEFAULT_SYNC_HOT_ROWS
    sync_tail_rounds: int = DEFAULT_SYNC_TAIL_ROUNDS
    sync_combine: str = "sum"
    sync_precision: str = "bf16"
    sync_mean_rows: int = DEFAULT_SYNC_MEAN_ROWS

    def __post_init__(self):
        validate_params(dataclasses.asdict(self), OPTION_CONSTRAINTS, "Word2Vec")


# The constraints of DistributedOptions' fields, in _params' form (the parameter table can reuse them).
OPTION_CONSTRAINTS = {
    "sync_words": [Interval(int, 1, None)],
    "sync_hot_rows": [Interval(int, 0, None)],
    "sync_tail_rounds": [Interval(int, 1, None)],
    "sync_combine": [Options(COMBINE_RULES)],
    "sync_precision": [Options(WIRE_PRECISIONS)],
    "sync_mean_rows": [Interval(int, 0, None)],
}


def device_for_rank(device: str | None) -> str | None:
    """The device a rank trains on: ``cuda:LOCAL_RANK`` for a CUDA run, else ``device``."""
    if device in (None, "cuda") and is_distributed() and _dist().get_backend() == "nccl":
        return f"cuda:{local_rank()}"
    return device


# ---------------------------------------------------------------------------------------- shards
class ShardView:
    """Words ``[start, stop)`` of an encoded corpus; EncodedCorpus's interface (``ids``,
    ``offsets``, ``slice(a, b) -> int32 ids``, ``len``, ``n_sentences``, ``raw_words``) without
    copying ids. Sentences cut by ``start``/``stop`` become shorter sentences of the shard."""

    def __init__(self, corpus, start: int, stop: int):
        self._corpus = corpus
        offsets = np.asarray(corpus.offsets)
        first = int(np.searchsorted(offsets, start, side="right")) - 1
        last = int(np.searchsorted(offsets, stop, side="left"))
        inner = np.asarray(offsets[first + 1 : last], dtype=np.int64)
        self.ids = corpus.ids[start:stop]
        self.offsets = np.concatenate([[0], inner - start, [stop - start]]).astype(np.int64)
        if stop == start:
            self.offsets = np.zeros(1, dtype=np.int64)
        total = max(1, len(corpus))
        self.raw_words = round(corpus.raw_words * (stop - start) / total)
        self.start, self.stop = start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    @property
    def n_sentences(self) -> int:
        return len(self.offsets) - 1

    def slice(self, start: int, stop: int) -> np.ndarray:
        """``ids[start:stop]`` of the shard as an in-memory int32 array."""
        if not 0 <= start <= stop <= len(self):
            raise IndexError(f"slice [{start}, {stop}) is outside the shard of {len(self)} ids")
        return np.asarray(self._corpus.slice(self.start + start, self.start + stop))


def shard_bounds(offsets: np.ndarray, n_words: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous word ranges cut at sentence starts, word counts as equal as possible."""
    offsets = np.asarray(offsets)
    cuts = [0]
    for k in range(1, parts):
        target = n_words * k / parts
        j = int(np.searchsorted(offsets, target))
        candidates = [int(offsets[i]) for i in (j - 1, j) if 0 <= i < len(offsets)]
        best = min(candidates, key=lambda c: abs(c - target)) if candidates else int(target)
        cuts.append(min(max(best, cuts[-1]), n_words))
    cuts.append(n_words)
    return [(cuts[k], cuts[k + 1]) for k in range(parts)]


# ---------------------------------------------------------------------------------------- backend
@dataclass
class SyncStats:
    """What the combinations cost: wire bytes per rank (the all-reduced payload), seconds, rounds, and
    the words trained over all ranks meanwhile (so ``bytes_per_word`` = payload per word trained)."""

    bytes: int = 0
    seconds: float = 0.0
    rounds: int = 0
    words: int = 0
    max_seconds: float = 0.0

    def add(self, sent: int, seconds: float, words: int = 0) -> None:
        self.bytes += sent
        self.seconds += seconds
        self.rounds += 1
        self.words += words
        self.max_seconds = max(self.max_seconds, seconds)

    @property
    def bytes_per_word(self) -> float:
        return self.bytes / max(1, self.words)

    def describe(self, world: int) -> str:
        rounds = max(1, self.rounds)
        return (
            f"{self.rounds} rounds, {self.seconds / rounds * 1e3:.1f} ms per round (max "
            f"{self.max_seconds * 1e3:.1f}), {self.bytes / rounds / 1e6:.2f} MB per round per rank, "
            f"{self.bytes_per_word:.1f} bytes per word trained ({world} ranks)"
        )


class _RoundHooks(TrainingHooks):
    """Hooks given to the local engine during one round: stop at the round's end, count words."""

    def __init__(self, outer: TrainingHooks, start: int, stop_at: int):
        self.outer = outer
        self.position = start
        self.stop_at = stop_at
        self.user_stop = False
        self.totals = EpochResult()

    def on_progress(self, words, effective_words, loss_sum, n_predictions):
        self.position += words
        self.totals.add(EpochResult(loss_sum, n_predictions, words, effective_words))

    def should_stop(self) -> bool:
        if self.outer.should_stop():
            self.user_stop = True
        return self.user_stop or self.position >= self.stop_at


class DistributedBackend:
    """Backend protocol over torch.distributed: local engine on a shard + periodic averaging.

    Parameters
    ----------
    inner_backend_factory
        ``factory(setup) -> Backend`` for the local engine (``NumbaBackend``, ``TorchBackend``).
    setup
        The full run's setup (the same on every rank); ``setup.distributed`` holds the
        :class:`DistributedOptions`.
    """

    def __init__(self, inner_backend_factory: Callable[[TrainingSetup], object], setup: TrainingSetup):
        if not is_distributed() and not init(setup.device):
            raise TrainingError(
                "DistributedBackend needs a process group of more than one rank: launch with torchrun."
            )
        import torch

        self._torch = torch
        self.dist = _dist()
        self.setup = setup
        self.rank, self.world = self.dist.get_rank(), self.dist.get_world_size()
        self.timeout = float(os.environ.get("SKIPGRAM_DIST_TIMEOUT", DEFAULT_TIMEOUT))
        corpus = setup.corpus
        self.n_words = len(corpus)
        self.bounds = shard_bounds(np.asarray(corpus.offsets), self.n_words, self.world)
        start, stop = self.bounds[self.rank]
        self.shard = ShardView(corpus, start, stop)
        options = (
            setup.distributed if isinstance(setup.distributed, DistributedOptions) else DistributedOptions()
        )
        self.options = options
        sync_words = int(options.sync_words)
        smallest = max(1, min(b - a for a, b in self.bounds))
        self.rounds = max(1, round(smallest / max(1, sync_words)))
        share = len(self.shard) / max(1, self.n_words)
        sched = setup.schedule
        local = dataclasses.replace(
            setup,
            corpus=self.shard,
            schedule=LearningRateSchedule(sched.start, sched.end, max(1, round(sched.total_words * share))),
            seed=(int(setup.seed) + 1_000_003 * self.rank) & 0xFFFFFFFF,
            device=device_for_rank(setup.device),
        )
        self._round_counter = 0
        self._agree_on_data()
        self._broadcast_initial()
        self.inner = inner_backend_factory(local)
        self._table = self._round_boundaries()
        self._sync = self._make_sync()
        self.stats = SyncStats()  # the whole run: bytes and seconds of the combinations, words trained
        logger.info(
            "rank %d: words [%d, %d) of %d, %d rounds per epoch; combining %s, hot rows %d, "
            "tail every %d rounds, %s on the wire",
            self.rank, start, stop, self.n_words, self.rounds, options.sync_combine,
            options.sync_hot_rows, options.sync_tail_rounds, options.sync_precision,
        )  # fmt: skip

    # ------------------------------------------------------------------ positions
    def _round_boundaries(self) -> np.ndarray:
        """world x (R+1) local word offsets where the rounds end, gathered from all ranks.

        Each rank snaps r/R of its shard to the next position where its engine can stop and resume:
        the engine's chunk boundaries when it has them (``word_bounds``, NumbaBackend), else a
        sentence start (TorchBackend ends a block there).
        """
        stops = np.asarray(self.inner.safe_positions(), dtype=np.int64)
        n = len(self.shard)
        row = np.zeros(self.rounds + 1, dtype=np.int64)
        for r in range(1, self.rounds):
            j = int(np.searchsorted(stops, n * r / self.rounds, side="left"))
            row[r] = max(row[r - 1], min(int(stops[j]) if j < len(stops) else n, n))
        row[self.rounds] = n
        t = self._torch
        mine = t.from_numpy(row)
        gathered = [t.zeros_like(mine) for _ in range(self.world)]
        self._collective("the round table exchange", lambda: self.dist.all_gather(gathered, mine))
        return t.stack(gathered).numpy()

    def _boundary(self, shard: int, r: int) -> int:
        return int(self._table[shard, r])

    def global_position(self, r: int) -> int:
        """The epoch position reported after round ``r``: words before every rank's boundary r."""
        return sum(self._boundary(k, r) for k in range(self.world))

    def _round_at(self, position: int) -> int:
        for r in range(self.rounds + 1):
            if self.global_position(r) >= position:
                return r if self.global_position(r) == position else max(0, r - 1)
        return self.rounds

    # ------------------------------------------------------------------ collectives
    def _tensors(self) -> list:
        """The engine's live W and W' as torch tensors (NumPy arrays wrapped without a copy)."""
        t = self._torch
        return [p if isinstance(p, t.Tensor) else t.from_numpy(p) for p in self.inner.parameters()]

    def _collective(self, what: str, fn):
        try:
            return fn()
        except Exception as exc:  # gloo/NCCL raise RuntimeError or DistBackendError
            raise TrainingError(self._failure_message(what, exc)) from exc

    def _failure_message(self, what: str, exc: Exception) -> str:
        peers = self._silent_peers()
        who = (
            ", ".join(f"rank {p}" for p in peers)
            if peers
            else "a peer rank (" + ", ".join(str(k) for k in range(self.world) if k != self.rank) + ")"
        )
        detail = (str(exc).splitlines() or [""])[0].split(". This is")[0][:200]
        return (
            f"{who} stopped responding during {what} (rank {self.rank} waited at most "
            f"{self.timeout:.0f} s); training stops. The last checkpoint is intact: "
            f"resume from it. [{type(exc).__name__}: {detail}]"
        )

    def _heartbeat(self) -> None:
        try:
            store = self.dist.distributed_c10d._get_default_store()
            store.set(f"skipgram/heartbeat/{self.rank}", str(self._round_counter))
        except Exception:  # the store is advisory: failure detection must not depend on it
            pass

    def _silent_peers(self) -> list[int]:
        """Ranks whose heartbeat is behind this rank's (they never reached the last collective)."""
        try:
            store = self.dist.distributed_c10d._get_default_store()
            store.set_timeout(datetime.timedelta(seconds=5))
            silent = []
            for k in range(self.world):
                if k == self.rank:
                    continue
                key = f"skipgram/heartbeat/{k}"
                seen = int(store.get(key)) if store.check([key]) else -1
                if seen < self._round_counter:
                    silent.append(k)
            return silent
        except Exception:
            return []

    def _broadcast_initial(self) -> None:
        """Start every rank from rank 0's matrices."""
        t = self._torch
        for array in (self.setup.input_vectors, self.setup.output_vectors):
            tensor = t.from_numpy(np.ascontiguousarray(array))
            self._collective("the initial broadcast", lambda x=tensor: self.dist.broadcast(x, 0))
            if tensor.data_ptr() != array.ctypes.data:
                np.copyto(array, tensor.numpy())

    def _make_sync(self):
        from .delta_sync import DeltaSync  # torch inside: a numba-only run never imports this module

        o = self.options
        hierarchical = self.setup.loss == "hierarchical"
        return DeltaSync(
            self._tensors(),
            self.world,
            hot_rows=o.sync_hot_rows,
            tail_rounds=o.sync_tail_rounds,
            combine=o.sync_combine,
            precision=o.sync_precision,
            reversed_rows=[False, hierarchical],
            mean_rows=[o.sync_mean_rows, o.sync_mean_rows],
        )

    def _sum_counters(self, counters: list[float]) -> np.ndarray:
        """All-reduce (sum) ``counters`` as float64; the heartbeat marks this rank's round first."""
        self._round_counter += 1
        self._heartbeat()
        packed = self._torch.tensor(counters, dtype=self._torch.float64, device=self._sync.last[0].device)
        op = self.dist.ReduceOp.SUM
        self._collective("the counters all-reduce", lambda: self.dist.all_reduce(packed, op))
        return packed.cpu().numpy()

    def _combine(self, round_number: int, full: bool) -> tuple[int, float]:
        """Combine the rows due at this round's end (all when ``full``); returns (bytes, seconds)."""
        t0 = time.perf_counter()
        sync, op, sent = self._sync, self.dist.ReduceOp.SUM, 0
        for group in sync.plan(round_number, full):
            wire = sync.pack(group)
            self._collective("the parameter all-reduce", lambda x=wire: self.dist.all_reduce(x, op))
            sync.unpack(group, wire)
            sent += sync.wire_bytes(wire)
        seconds = time.perf_counter() - t0
        self.stats.add(sent, seconds)
        return sent, seconds

    # ------------------------------------------------------------------ protocol
    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        self._agree_on_start(epoch, start)
        r0 = self._round_at(start)
        position = self._boundary(self.rank, r0)
        total = EpochResult(position=self.global_position(r0))
        epoch_stats = SyncStats()
        for r in range(r0, self.rounds):
            stop_at = self._boundary(self.rank, r + 1)
            round_hooks = _RoundHooks(hooks, position, stop_at)
            if position < stop_at and not round_hooks.should_stop():
                result = self.inner.train_epoch(epoch, position, round_hooks)
                position = result.position
            c = round_hooks.totals
            done = position >= stop_at
            flags = self._sum_counters(
                [
                    c.words,
                    c.effective_words,
                    c.loss_sum,
                    c.n_predictions,
                    float(round_hooks.user_stop),
                    float(not done),
                    float(hooks.wants_safe_point()),
                ]
            )
            stopped = flags[4] > 0 or flags[5] > 0
            last = r + 1 == self.rounds
            full = last or stopped or flags[6] > 0  # the model reads or saves the matrices next
            sent, seconds = self._combine(self._round_counter, full)
            epoch_stats.add(sent, seconds, int(flags[0]))
            self.stats.words += int(flags[0])
            logger.debug(
                "rank %d, epoch %d, round %d/%d: combined %s rows, %.2f MB in %.1f ms",
                self.rank, epoch + 1, r + 1, self.rounds, "all" if full else "due", sent / 1e6, seconds * 1e3,
            )  # fmt: skip
            words, effective, loss_sum, n_pred = flags[:4]
            step = EpochResult(float(loss_sum), int(n_pred), int(words), int(effective))
            total.add(step)
            hooks.on_progress(step.words, step.effective_words, step.loss_sum, step.n_predictions)
            if stopped:  # someone stopped early: keep the last complete round
                total.position = self.global_position(r)
                return total
            total.position = self.global_position(r + 1)
            if flags[6] > 0 and not last:
                hooks.on_safe_point(epoch, total.position)
        if self.rank == 0:
            logger.info("epoch %d sync: %s", epoch + 1, epoch_stats.describe(self.world))
        return total

    def _every_rank(self, values: list[int], device, what: str) -> list[tuple[int, ...]]:
        """``values`` (int64) as every rank holds them, in rank order (an all-gather named ``what``)."""
        t = self._torch
        mine = t.tensor(values, dtype=t.int64, device=device)
        gathered = [t.zeros_like(mine) for _ in range(self.world)]
        self._collective(what, lambda: self.dist.all_gather(gathered, mine))
        return [tuple(int(v) for v in g.cpu().tolist()) for g in gathered]

    def _agree_on_data(self) -> None:
        """Every rank read the corpus itself: refuse clearly if their vocabularies or corpora differ."""
        counts = np.ascontiguousarray(self.setup.counts, dtype=np.int64)
        digest = int.from_bytes(hashlib.blake2b(counts.tobytes(), digest_size=7).digest(), "little")
        device = device_for_rank(self.setup.device) if self.dist.get_backend() == "nccl" else "cpu"
        seen = self._every_rank([len(counts), self.n_words, digest], device, "the corpus agreement")
        if any(s != seen[0] for s in seen):
            sizes = [f"rank {k}: {v:,} words, {n:,} corpus words" for k, (v, n, _) in enumerate(seen)]
            raise TrainingError(
                f"the ranks built different vocabularies or corpora ({'; '.join(sizes)}; the word counts "
                "differ even where the sizes agree): every rank must read the same corpus file with the "
                "same parameters (a shared path, or identical copies on each machine)"
            )

    def _agree_on_start(self, epoch: int, start: int) -> None:
        """Every rank must resume at the same place (the same checkpoint); say so clearly if not."""
        starts = self._every_rank([epoch, start], self._sync.last[0].device, "the start agreement")
        if any(s != starts[0] for s in starts):
            where = "; ".join(f"rank {k}: epoch {e + 1}, word {p}" for k, (e, p) in enumerate(starts))
            raise TrainingError(
                f"the ranks would start at different places ({where}): every rank must read the same "
                "checkpoint file (a shared path, or a copy of rank 0's on each machine)"
            )

    def pull(self) -> None:
        self.inner.pull()

    def safe_positions(self) -> np.ndarray:
        """The epoch positions after each round (every rank stops at its round boundary)."""
        return np.array([self.global_position(r) for r in range(self.rounds + 1)], dtype=np.int64)

    def parameters(self) -> list:
        return self.inner.parameters()

    def push(self) -> None:
        """The model changed the arrays (resume): rank 0's copy wins, then the engine reloads."""
        self._broadcast_initial()
        self.inner.push()
        self._sync = self._make_sync()
