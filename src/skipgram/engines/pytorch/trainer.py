"""The PyTorch engine (``backend="torch"``): GPU when present, CPU otherwise.

It shares everything but the training step with the numba engine: ``Word2Vec.fit`` builds the
:class:`~skipgram.engines.base.TrainingSetup` (vocabulary, encoded corpus, keep probabilities, alias
noise table, learning-rate schedule) and this module trains one epoch at a time.

Pipeline, per block of about ``block_words`` corpus words (cut at a sentence start), all on the device
and vectorised (a Python loop only over the ``2·window`` offsets, never over words or pairs):

1. ids and a sentence id per position (from ``corpus.offsets``);
2. subsampling: keep position i when ``rand < keep_prob[id_i]``, then compact (as word2vec.c, the
   window spans the kept words);
3. reduced window ``b_i ~ U{1..window}`` per centre (``shrink_windows``), pairs ``(i, i±d)`` for
   ``1 ≤ d ≤ b_i`` inside one sentence; with ``shared_negatives``, k noise words per centre;
4. shuffle the block's pairs, cut into minibatches of ``batch_size`` predictions, and take one SGD step
   each (:meth:`SkipGramModel.sgd_step`) at the linearly decaying learning rate.

Randomness comes from a ``torch.Generator`` seeded by ``(seed, epoch, block start)``: two runs with
the same seed on the same device give the same vectors, and a run resumed at a block boundary
replays the same random numbers as an uninterrupted one.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ...errors import ParameterError, TrainingError
from ..base import EpochResult, TrainingHooks, TrainingSetup
from .spec import TORCH_MISSING, TorchOptions

try:
    import torch
except ModuleNotFoundError as exc:  # pragma: no cover - exercised only where torch is absent
    raise ImportError(TORCH_MISSING) from exc

from .model import SkipGramModel, sample_noise, softmax_chunk_rows

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 4096  # predictions per minibatch when the setup leaves it to the backend
DEFAULT_BLOCK_WORDS = {"cuda": 1 << 21, "cpu": 1 << 18}  # corpus words per pair-generation block


def resolve_device(requested: str | None) -> torch.device:
    """``requested`` (e.g. ``"cuda:1"``) or CUDA when available, else CPU."""
    if requested is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(requested)
    except (RuntimeError, TypeError) as exc:
        raise ParameterError(f"The 'device' parameter of Word2Vec is not a device: {exc}") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError(
            f"The 'device' parameter of Word2Vec asks for {requested!r}, but this PyTorch has no "
            "usable CUDA device; use device='cpu' or leave it unset."
        )
    return device


def block_seed(seed: int, epoch: int, start: int) -> int:
    """A 63-bit seed for the generator of the block starting at word ``start`` of ``epoch``."""
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(epoch), int(start)])
    return int(state.generate_state(1, np.uint64)[0] & np.uint64(2**63 - 1))


def block_end(
    offsets: np.ndarray, start: int, n_words: int, block_words: int, limit: int | None = None
) -> int:
    """End of the block starting at ``start``: the first sentence start at or after
    ``start + block_words`` (or ``limit`` if sooner), so no window is cut; a plain cut for a
    giant sentence."""
    target = start + block_words if limit is None else min(start + block_words, max(limit, start + 1))
    if target >= n_words:
        return n_words
    k = int(np.searchsorted(offsets, target, side="left"))
    end = int(offsets[k]) if k < len(offsets) else n_words
    return end if end - start <= 4 * block_words else target


def sentence_ids(offsets: np.ndarray, start: int, stop: int, device) -> torch.Tensor:
    """Sentence number (0, 1, ...) of every position in ``[start, stop)``."""
    lo = int(np.searchsorted(offsets, start, side="right"))
    hi = int(np.searchsorted(offsets, stop, side="left"))
    starts = np.asarray(offsets[lo:hi], dtype=np.int64) - start
    mark = torch.zeros(stop - start, dtype=torch.int32, device=device)
    if len(starts):
        mark[torch.as_tensor(starts, device=device)] = 1
    return torch.cumsum(mark, 0, dtype=torch.int32)


def subsample(ids, sid, keep_prob, generator):
    """Keep position i with probability ``keep_prob[ids[i]]`` and compact."""
    if keep_prob is None:
        return ids, sid
    u = torch.rand(ids.shape[0], device=ids.device, generator=generator)
    keep = u < keep_prob[ids]
    return ids[keep], sid[keep]


def reduced_windows(n: int, window: int, shrink: bool, generator, device) -> torch.Tensor:
    """``b_i``: uniform in 1..window per centre when ``shrink``, else ``window``."""
    if shrink:
        return torch.randint(1, window + 1, (n,), device=device, generator=generator)
    return torch.full((n,), window, dtype=torch.int64, device=device)


def skipgram_pairs(ids, sid, b, window: int):
    """``(centres, contexts, owners)`` for every pair ``(i, i±d)``, ``1 ≤ d ≤ b_i``, in one sentence.

    ``centres[p]`` is the id of the word whose window made pair p, ``contexts[p]`` the other word's id,
    and ``owners[p]`` the centre's index among the kept positions (so a window's pairs can share noise
    words). Ordered by offset, not shuffled. ``ids``, ``sid``, ``b``: the kept positions' ids, sentence
    ids and reduced windows.
    """
    centres, contexts, owners = [], [], []
    n = ids.shape[0]
    pos = torch.arange(n, device=ids.device)
    for d in range(1, min(window, n - 1) + 1):
        same = sid[d:] == sid[:-d]  # positions i and i + d share a sentence
        right = same & (b[:-d] >= d)  # centre i, context i + d
        left = same & (b[d:] >= d)  # centre i + d, context i
        centres += [ids[:-d][right], ids[d:][left]]
        contexts += [ids[d:][right], ids[:-d][left]]
        owners += [pos[:-d][right], pos[d:][left]]
    if not centres:
        empty = ids.new_zeros(0)
        return empty, empty, empty
    return torch.cat(centres), torch.cat(contexts), torch.cat(owners)


def cbow_windows(ids, sid, b, window: int):
    """CBOW examples: (centre ids M, context ids M x 2·window, mask M x 2·window).

    Centres with no context word in their sentence are dropped.
    """
    n = ids.shape[0]
    device = ids.device
    shifts = torch.cat([torch.arange(-window, 0, device=device), torch.arange(1, window + 1, device=device)])
    pos = torch.arange(n, device=device).unsqueeze(1) + shifts.unsqueeze(0)
    inside = (pos >= 0) & (pos < n)
    pos = pos.clamp(0, max(n - 1, 0))
    mask = inside & (sid[pos] == sid.unsqueeze(1)) & (shifts.abs().unsqueeze(0) <= b.unsqueeze(1))
    has_context = mask.any(1)
    return ids[has_context], ids[pos][has_context], mask[has_context]


class TorchBackend:
    """The Backend protocol on PyTorch (see :mod:`skipgram.engines.base`); options: :class:`TorchOptions`.

    Negative sampling follows the numba engine: a context word's row of W predicts the centre's row of W'
    and, with ``shared_negatives`` (the default), the k noise words drawn for a window serve all of its
    pairs; otherwise each pair draws its own. The full softmax follows the seed notes: the centre's row
    of W predicts the context word over the whole vocabulary.
    """

    def __init__(self, setup: TrainingSetup):
        self.setup = setup
        self.device = resolve_device(setup.device)
        options = setup.options if isinstance(setup.options, TorchOptions) else TorchOptions()
        self.block_words = int(options.block_words or DEFAULT_BLOCK_WORDS[self.device.type])
        self.autocast_dtype = self._autocast(options.precision)
        self.batch_size = int(setup.batch_size or DEFAULT_BATCH_SIZE)
        self.row_cap = None if options.row_cap is None else float(options.row_cap)
        if self.device.type == "cpu" and setup.workers:
            torch.set_num_threads(max(1, int(setup.workers)))
        self.timings = {"batching": 0.0, "step": 0.0}
        self._tables()
        self.push()
        logger.info(
            "torch backend on %s: batch_size=%d, block_words=%d, %s noise words",
            self.device,
            self.batch_size,
            self.block_words,
            "per-window" if setup.shared_negatives else "per-pair",
        )

    def _autocast(self, precision: str):
        if precision == "float32":
            return None
        if precision != "bf16":
            raise ParameterError(f"The 'precision' parameter must be 'float32' or 'bf16'; got {precision!r}.")
        if self.setup.loss != "softmax":
            raise ParameterError(
                "precision='bf16' changes only the full softmax's logits; negative sampling trains in "
                "float32 (use precision='float32' or loss='softmax')"
            )
        if self.device.type != "cuda":
            raise ParameterError(f"precision='bf16' needs a CUDA device; this run is on {self.device}")
        return torch.bfloat16

    # ------------------------------------------------------------------------------------ setup
    def _tables(self) -> None:
        s, dev = self.setup, self.device
        keep = np.asarray(s.keep_prob, dtype=np.float32)
        self.keep_prob = None if bool(np.all(keep >= 1.0)) else torch.as_tensor(keep, device=dev)
        self.alias_prob = torch.as_tensor(np.asarray(s.alias_prob, dtype=np.float32), device=dev)
        self.alias_index = torch.as_tensor(np.asarray(s.alias_index, dtype=np.int64), device=dev)

    def push(self) -> None:
        """Use the setup's arrays from now on. On CPU the model shares their memory (no copy)."""
        s = self.setup
        self.model = SkipGramModel.from_arrays(s.input_vectors, s.output_vectors, self.device)
        # On CPU, torch.as_tensor wraps contiguous float32 arrays without a copy: training then
        # updates the setup's arrays in place and pull() has nothing to do.
        self._shared_memory = (
            _shareable(s.input_vectors, s.output_vectors)
            and self.model.in_embed.weight.data_ptr() == s.input_vectors.ctypes.data
            and self.model.out_embed.weight.data_ptr() == s.output_vectors.ctypes.data
        )

    def pull(self) -> None:
        if self._shared_memory:
            return
        np.copyto(self.setup.input_vectors, self.model.in_embed.weight.detach().cpu().numpy())
        np.copyto(self.setup.output_vectors, self.model.out_embed.weight.detach().cpu().numpy())

    def safe_positions(self) -> np.ndarray:
        """Sentence starts: a block can begin at any of them and replays the same random numbers."""
        return np.asarray(self.setup.corpus.offsets, dtype=np.int64)

    def parameters(self) -> list[torch.Tensor]:
        return [self.model.in_embed.weight.data, self.model.out_embed.weight.data]

    # ------------------------------------------------------------------------------------ training
    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        corpus = self.setup.corpus
        n_words = len(corpus)
        offsets = np.asarray(corpus.offsets)
        result = EpochResult(position=start)
        position = start
        while position < n_words and not hooks.should_stop():
            if hooks.stop_at is not None and position >= hooks.stop_at:
                break
            end = block_end(offsets, position, n_words, self.block_words, hooks.stop_at)
            block = self._train_block(epoch, position, end, n_words, corpus, offsets)
            result.add(block)
            hooks.on_progress(block.words, block.effective_words, block.loss_sum, block.n_predictions)
            position = end
            if hooks.wants_safe_point():
                self.pull()
                hooks.on_safe_point(epoch, position)
        result.position = position
        if position >= n_words:
            logger.info(
                "epoch %d: %.1f s making batches, %.1f s in training steps (cumulative)",
                epoch,
                self.timings["batching"],
                self.timings["step"],
            )
        return result

    def _train_block(self, epoch, start, stop, n_words, corpus, offsets) -> EpochResult:
        s, dev = self.setup, self.device
        cuda = dev.type == "cuda"
        t0 = time.perf_counter()
        gen = torch.Generator(device=dev)
        gen.manual_seed(block_seed(s.seed, epoch, start))

        ids = torch.as_tensor(corpus.slice(start, stop), device=dev).long()
        sid = sentence_ids(offsets, start, stop, dev)
        ids, sid = subsample(ids, sid, self.keep_prob, gen)
        n_kept = int(ids.shape[0])
        b = reduced_windows(n_kept, s.window, s.shrink_windows, gen, dev)
        owners = window_noise = None
        if s.architecture == "cbow":
            targets, ctx_ids, ctx_mask = cbow_windows(ids, sid, b, s.window)
            inputs = None
        else:
            centres, contexts, owners = skipgram_pairs(ids, sid, b, s.window)
            if s.loss == "softmax":  # the seed notes' order: the centre predicts its context
                inputs, targets = centres, contexts
            else:  # the C tool's order: the context predicts the centre, as in the numba engine
                inputs, targets = contexts, centres
                if s.shared_negatives:
                    window_noise = sample_noise(self.alias_prob, self.alias_index, (n_kept, s.negative), gen)
            ctx_ids = ctx_mask = None
        n_pred = int(targets.shape[0])
        order = torch.randperm(n_pred, device=dev, generator=gen)
        if cuda:
            torch.cuda.synchronize(dev)
        t1 = time.perf_counter()

        loss_total = torch.zeros((), dtype=torch.float64, device=dev)
        n_batches = max(1, -(-n_pred // self.batch_size))
        base = epoch * n_words + start
        span = stop - start
        softmax_chunk = softmax_chunk_rows(self.model.out_embed.weight.shape[0])
        k = s.negative
        for j in range(n_batches):
            sel = order[j * self.batch_size : (j + 1) * self.batch_size]
            if sel.numel() == 0:
                break
            lr = s.schedule.at(base + span * j / n_batches)
            tgt = targets[sel]
            negatives = None
            if s.loss == "negative":
                if window_noise is not None:  # the noise words of each pair's window
                    negatives = window_noise[owners[sel]]
                else:
                    negatives = sample_noise(self.alias_prob, self.alias_index, (sel.numel(), k), gen)
            loss = self.model.sgd_step(
                None if inputs is None else inputs[sel],
                tgt,
                negatives,
                lr,
                loss=s.loss,
                context_ids=None if ctx_ids is None else ctx_ids[sel],
                context_mask=None if ctx_mask is None else ctx_mask[sel],
                softmax_chunk=softmax_chunk,
                autocast_dtype=self.autocast_dtype,
                row_cap=self.row_cap,
            )
            loss_total += loss
        loss_sum = float(loss_total)  # one synchronisation per block
        t2 = time.perf_counter()
        self.timings["batching"] += t1 - t0
        self.timings["step"] += t2 - t1
        if not np.isfinite(loss_sum):
            raise TrainingError(
                f"training diverged (loss is {loss_sum}) in epoch {epoch + 1} near word {start}; "
                "try a smaller lr or batch_size."
            )
        return EpochResult(
            loss_sum=loss_sum,
            n_predictions=n_pred,
            words=stop - start,
            effective_words=n_kept,
        )


def _shareable(*arrays) -> bool:
    return all(
        isinstance(a, np.ndarray) and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.writeable
        for a in arrays
    )
