"""The CUDA engine's trainer (``backend="cuda"``): the corpus on the GPU once, launches of many pieces.

At construction the whole encoded corpus (int32 ids, int64 sentence offsets), the piece plan, the
subsampling and alias tables and both matrices are copied to the device, once per run. An epoch is a
series of launches of ``pieces_per_launch`` pieces (one block each, :mod:`.kernels`); after each launch
the float64 loss/counter sums are read back (the one synchronisation per launch), progress is reported,
and the launch boundary is a safe position: checkpoints, ``should_stop`` and distributed rounds stop
there. ``pull`` copies W and W' to the setup's arrays, ``push`` copies them back to the device.

Under ``torchrun`` each rank uses the GPU ``LOCAL_RANK`` (set before anything touches the device).
Hogwild across blocks makes GPU runs non-deterministic in their last bits, as multi-threaded CPU runs
are; the sampling itself depends only on (seed, epoch, piece).
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from ...errors import ParameterError, TrainingError
from ..base import EpochResult, TrainingHooks, TrainingSetup
from .sampling import launch_bounds, plan_pieces
from .spec import CudaOptions

logger = logging.getLogger(__name__)


def select_gpu(device: str | None) -> int:
    """The GPU index to use: ``LOCAL_RANK`` under torchrun, else ``device`` ("cuda", "cuda:N")."""
    if "LOCAL_RANK" in os.environ and "TORCHELASTIC_RUN_ID" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if device in (None, "cuda", "gpu"):
        return 0
    if isinstance(device, str) and device.startswith("cuda:") and device[5:].isdigit():
        return int(device[5:])
    raise ParameterError(
        f"The 'device' parameter of Word2Vec must be 'cuda' or 'cuda:N' for the cuda engine; got {device!r}."
    )


class CudaBackend:
    """Train skip-gram with negative sampling on one GPU (see the module docstring)."""

    def __init__(self, setup: TrainingSetup):
        from numba import cuda

        from . import kernels

        if (setup.architecture, setup.loss) != ("skipgram", "negative"):
            raise ParameterError(
                f"the cuda engine trains architecture='skipgram' with loss='negative' only; got "
                f"architecture={setup.architecture!r}, loss={setup.loss!r} (use backend='numba')"
            )
        if not setup.shared_negatives:
            raise ParameterError(
                "the cuda engine draws one set of noise words per window (shared_negatives=True); "
                "use backend='numba' for per-pair noise words"
            )
        self.setup = setup
        # pull() copies into these arrays: make sure they are writeable, C-ordered float32 (a resumed
        # checkpoint's may be read-only maps).
        for name in ("input_vectors", "output_vectors"):
            array = getattr(setup, name)
            if not (array.dtype == np.float32 and array.flags.c_contiguous and array.flags.writeable):
                setattr(setup, name, np.array(array, dtype=np.float32, order="C"))
        self.options = setup.options or CudaOptions()
        opts = self.options
        self._cuda = cuda
        gpu = select_gpu(setup.device)
        if not cuda.is_available():
            raise TrainingError(
                "the cuda engine found no usable CUDA GPU (numba.cuda.is_available() is False)"
            )
        cuda.select_device(gpu)
        dim = setup.vector_size
        kernels.check_sizes(dim, setup.window, setup.negative, opts.threads_per_block, opts.piece_words)

        corpus = setup.corpus
        self.words_per_epoch = len(corpus)
        offsets = np.ascontiguousarray(corpus.offsets, dtype=np.int64)
        starts, stops, first = plan_pieces(offsets, opts.piece_words)
        self.n_pieces = len(starts)
        self.launches = launch_bounds(self.n_pieces, opts.pieces_per_launch)
        piece_starts = np.append(starts, np.int64(self.words_per_epoch))
        self._safe = np.unique(np.append(piece_starts[self.launches], [0, self.words_per_epoch]))
        self._launch_word = piece_starts[self.launches]  # word offset where each launch begins
        self._launch_word[-1] = self.words_per_epoch

        began = time.perf_counter()
        ids = np.ascontiguousarray(corpus.slice(0, self.words_per_epoch), dtype=np.int32)
        self.d_ids = cuda.to_device(ids if ids.size else np.zeros(1, np.int32))
        self.d_offsets = cuda.to_device(offsets)
        self.d_starts = cuda.to_device(starts if starts.size else np.zeros(1, np.int64))
        self.d_stops = cuda.to_device(stops if stops.size else np.zeros(1, np.int64))
        self.d_first = cuda.to_device(first if first.size else np.zeros(1, np.int64))
        self.d_keep = cuda.to_device(np.ascontiguousarray(setup.keep_prob, dtype=np.float32))
        self.d_alias_prob = cuda.to_device(np.ascontiguousarray(setup.alias_prob, dtype=np.float32))
        self.d_alias_index = cuda.to_device(np.ascontiguousarray(setup.alias_index, dtype=np.int32))
        self.d_w_in = cuda.to_device(np.ascontiguousarray(setup.input_vectors, dtype=np.float32))
        self.d_w_out = cuda.to_device(np.ascontiguousarray(setup.output_vectors, dtype=np.float32))
        self.d_totals = cuda.to_device(np.zeros(3, np.float64))
        self._zeros = np.zeros(3, np.float64)
        self._totals = np.zeros(3, np.float64)
        self._kernel = kernels.skipgram_negative_kernel(
            dim, setup.window, setup.negative, opts.threads_per_block, opts.piece_words
        )
        self.upload_seconds = time.perf_counter() - began
        # Timings for benchmarks: seconds inside launches (launch to read-back) and between them.
        self.kernel_seconds = 0.0
        self.host_seconds = 0.0
        self.n_launches = 0
        began = time.perf_counter()
        self._launch(0, 0, 0)  # compile before epoch 1's clock starts (an empty launch)
        self.kernel_seconds = self.host_seconds = 0.0
        self.n_launches = 0
        logger.info(
            "cuda engine: GPU %d, %d pieces in %d launches per epoch; data on the device in %.2f s, "
            "kernel ready in %.1f s",
            gpu, self.n_pieces, len(self.launches) - 1, self.upload_seconds, time.perf_counter() - began,
        )  # fmt: skip

    # --- the contract ----------------------------------------------------------------------------
    def safe_positions(self) -> np.ndarray:
        return self._safe.copy()

    def parameters(self) -> list:
        """W and W' on the device as torch tensors sharing their memory (for collectives)."""
        import torch

        device = torch.device("cuda", self._cuda.get_current_device().id)
        return [torch.as_tensor(self.d_w_in, device=device), torch.as_tensor(self.d_w_out, device=device)]

    def pull(self) -> None:
        self.d_w_in.copy_to_host(self.setup.input_vectors)
        self.d_w_out.copy_to_host(self.setup.output_vectors)

    def push(self) -> None:
        self.d_w_in.copy_to_device(np.ascontiguousarray(self.setup.input_vectors, dtype=np.float32))
        self.d_w_out.copy_to_device(np.ascontiguousarray(self.setup.output_vectors, dtype=np.float32))

    def train_epoch(self, epoch: int, start: int, hooks: TrainingHooks) -> EpochResult:
        index = int(np.searchsorted(self._launch_word, start, side="left"))
        if index >= len(self._launch_word) or self._launch_word[index] != start:
            raise ValueError(f"position {start} is not a launch boundary of the cuda engine")
        result = EpochResult(position=start)
        stop_at = hooks.stop_at
        for launch in range(index, len(self.launches) - 1):
            position = int(self._launch_word[launch])
            if hooks.wants_safe_point():
                self.pull()
                hooks.on_safe_point(epoch, position)
            if hooks.should_stop() or (stop_at is not None and position >= stop_at):
                return result
            first, last = int(self.launches[launch]), int(self.launches[launch + 1])
            loss, n_pred, n_eff = self._launch(first, last, epoch)
            end = int(self._launch_word[launch + 1])
            words = end - position
            result.add(EpochResult(loss, n_pred, words, n_eff))
            result.position = end
            hooks.on_progress(words, n_eff, loss, n_pred)
        result.position = self.words_per_epoch
        return result

    # --- one launch --------------------------------------------------------------------------------
    def _launch(self, first: int, last: int, epoch: int) -> tuple[float, int, int]:
        """Train pieces ``first:last`` of ``epoch``; return (loss_sum, n_predictions, n_effective)."""
        s = self.setup
        began = time.perf_counter()
        self.d_totals.copy_to_device(self._zeros)
        blocks = max(1, last - first)  # an empty range launches one block, which returns at once
        launched = time.perf_counter()
        self._kernel[blocks, self.options.threads_per_block](
            self.d_ids, self.d_offsets, self.d_starts, self.d_stops, self.d_first, first, last, self.d_w_in,
            self.d_w_out, self.d_keep, self.d_alias_prob, self.d_alias_index, int(s.shrink_windows),
            float(s.schedule.start), float(s.schedule.end), epoch * self.words_per_epoch,
            int(s.schedule.total_words), int(s.seed), int(epoch), self.d_totals,
        )  # fmt: skip
        self.d_totals.copy_to_host(self._totals)  # waits for the launch
        done = time.perf_counter()
        self.kernel_seconds += done - launched
        self.host_seconds += launched - began
        self.n_launches += 1
        loss, n_pred, n_eff = (float(x) for x in self._totals)
        if not np.isfinite(loss):
            logger.warning("non-finite loss in launch at piece %d of epoch %d", first, epoch + 1)
        return loss, int(n_pred), int(n_eff)
