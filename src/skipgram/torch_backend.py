"""The PyTorch training backend (``backend="torch"``): GPU when present, CPU otherwise.

It shares everything but the training step with the numba path: ``Word2Vec.fit`` builds the
:class:`~skipgram._backend.TrainingSetup` (vocabulary, encoded corpus, keep probabilities, alias
noise table, learning-rate schedule) and this module trains one epoch at a time.

Pipeline, per block of about ``block_words`` corpus words (cut at a sentence start), all on the
device
and vectorised (a Python loop only over the ``2·window`` offsets, never over words or pairs):

1. ids and a sentence id per position (from ``corpus.offsets``);
2. subsampling: keep position i when ``rand < keep_prob[id_i]``, then compact (as word2vec.c, the
   window spans the kept words);
3. reduced window ``b_i ~ U{1..window}`` per centre (``shrink_windows``), pairs ``(i, i±d)`` for
   ``1 ≤ d ≤ b_i`` inside one sentence;
4. shuffle the block's pairs, cut into minibatches of ``batch_size`` predictions, and take one SGD
step
   each (:meth:`SkipGramModel.sgd_step`) at the linearly decaying learning rate.

Randomness comes from a ``torch.Generator`` seeded by ``(seed, epoch, block start)``: two runs with
the same seed on the same device give the same vectors, and a run resumed at a block boundary
replays the same random numbers as an uninterrupted one.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ._backend import EpochResult, TrainingHooks, TrainingSetup
from .errors import ParameterError, TrainingError

TORCH_MISSING = "the torch backend needs PyTorch: pip install 'skipgram[torch]'"

try:
    import torch
except ModuleNotFoundError as exc:  # pragma: no cover - exercised only where torch is absent
    raise ImportError(TORCH_MISSING) from exc

from .torch_model import SkipGramModel, sample_noise, softmax_chunk_rows  # noqa: E402

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 4096  # predictions per minibatch when the setup leaves it to the backend
DEFAULT_BLOCK_WORDS = {"cuda": 1 << 21, "cpu": 1 << 18}  # corpus words per pair-generation block
SHARED_POOL = 256
DEFAULT_ROW_CAP = None  # opt-in cap on summed updates per row per minibatch (SkipGramModel.sgd_step)


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
    """(centre, context) ids for every ``(i, i±d)``, ``1 ≤ d ≤ b_i``, in one sentence.

    Ordered by offset, not shuffled. ``ids``, ``sid``, ``b``: the kept positions' ids, sentence ids
    and reduced windows.
    """
    centers, contexts = [], []
    n = ids.shape[0]
    for d in range(1, min(window, n - 1) + 1):
        same = sid[d:] == sid[:-d]  # positions i and i + d share a sentence
        right = same & (b[:-d] >= d)  # centre i, context i + d
        left = same & (b[d:] >= d)  # centre i + d, context i
        centers += [ids[:-d][right], ids[d:][left]]
        contexts += [ids[d:][right], ids[:-d][left]]
    if not centers:
        empty = ids.new_zeros(0)
        return empty, empty
    return torch.cat(centers), torch.cat(contexts)


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
    """Backend protocol implementation on PyTorch (see :mod:`skipgram._backend`).

    Options read from ``setup.extra``: ``negatives`` (``"per_pair"``, the default, or ``"shared"``:
    one pool of ``shared_pool`` noise words per minibatch), ``block_words``, ``precision``
    (``"float32"`` or ``"bf16"``: bf16 autocast of the full-softmax logits, CUDA only).
    """

    def __init__(self, setup: TrainingSetup):
        if setup.loss not in ("negative", "softmax"):
            raise ParameterError(
                f"loss={setup.loss!r} is available only with backend='numba'; the torch backend "
                "trains loss='negative' and loss='softmax'."
            )
        if setup.architecture not in ("skipgram", "cbow"):
            raise ParameterError(f"unknown architecture {setup.architecture!r}")
        self.setup = setup
        self.device = resolve_device(setup.device)
        extra = setup.extra or {}
        self.negatives_mode = extra.get("negatives", "per_pair")
        if self.negatives_mode not in ("per_pair", "shared"):
            raise ParameterError("extra['negatives'] must be 'per_pair' or 'shared'")
        self.shared_pool = int(extra.get("shared_pool", SHARED_POOL))
        self.block_words = int(extra.get("block_words", DEFAULT_BLOCK_WORDS[self.device.type]))
        precision = extra.get("precision", "float32")
        self.autocast_dtype = torch.bfloat16 if precision == "bf16" and self.device.type == "cuda" else None
        self.batch_size = int(setup.batch_size or DEFAULT_BATCH_SIZE)
        cap = extra.get("row_cap", DEFAULT_ROW_CAP)
        self.row_cap = None if cap is None else float(cap)
        if self.device.type == "cpu" and setup.workers:
            torch.set_num_threads(max(1, int(setup.workers)))
        self.timings = {"batching": 0.0, "step": 0.0}
        self._tables()
        self.push()
        logger.info(
            "torch backend on %s: batch_size=%d, block_words=%d, negatives=%s",
            self.device,
            self.batch_size,
            self.block_words,
            self.negatives_mode,
        )

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

    # ------------------------------------------------------------------------------------ training
    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        corpus = self.setup.corpus
        n_words = len(corpus)
        offsets = np.asarray(corpus.offsets)
        result = EpochResult(position=start)
        position = start
        while position < n_words and not hooks.should_stop():
            # A distributed round asks the engine to stop at its end: make a block end there.
            limit = getattr(hooks, "stop_at", None)
            end = block_end(offsets, position, n_words, self.block_words, limit)
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

        words = corpus.slice(start, stop) if hasattr(corpus, "slice") else corpus.ids[start:stop]
        ids = torch.as_tensor(np.asarray(words), device=dev).long()
        sid = sentence_ids(offsets, start, stop, dev)
        ids, sid = subsample(ids, sid, self.keep_prob, gen)
        n_kept = int(ids.shape[0])
        b = reduced_windows(n_kept, s.window, s.shrink_windows, gen, dev)
        if s.architecture == "cbow":
            targets, ctx_ids, ctx_mask = cbow_windows(ids, sid, b, s.window)
            centers = None
        else:
            centers, targets = skipgram_pairs(ids, sid, b, s.window)
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
            scale = 1.0
            if s.loss == "negative":
                if self.negatives_mode == "shared":
                    negatives = sample_noise(self.alias_prob, self.alias_index, (self.shared_pool,), gen)
                    scale = k / self.shared_pool
                else:
                    negatives = sample_noise(self.alias_prob, self.alias_index, (sel.numel(), k), gen)
            loss = self.model.sgd_step(
                None if centers is None else centers[sel],
                tgt,
                negatives,
                lr,
                loss=s.loss,
                shared_scale=scale,
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
