"""What the model does while a backend trains: progress bar, loss curve, checkpoint timer, stop flag.

:class:`TrainingMonitor` is the model's :class:`~skipgram.engines.base.TrainingHooks`. Loss and counters are
accumulated in float64 / Python ints, so the mean loss over billions of predictions stays exact.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator

from .engines.base import TrainingHooks

logger = logging.getLogger("skipgram.model")

# The loss curve gets one point per this fraction of the whole run (and at least one per epoch).
CURVE_POINTS = 200


class TrainingMonitor(TrainingHooks):
    """Progress, loss curve, periodic safe points for checkpoints, and user stop requests."""

    def __init__(
        self,
        *,
        total_words: int,
        words_done: int,
        progress: bool,
        checkpoint_interval: float | None,
        on_checkpoint: Callable[[int, int], None] | None,
        loss_curve: list[list[float]],
    ):
        self.total_words = total_words
        self.words_done = words_done
        self.checkpoint_interval = checkpoint_interval
        self.on_checkpoint = on_checkpoint
        self.loss_curve = loss_curve
        self.stop_requested = False
        self.interrupted = False
        self._last_checkpoint = time.monotonic()
        self._curve_step = max(1, total_words // CURVE_POINTS)
        self._curve_loss = 0.0
        self._curve_predictions = 0
        self._curve_next = words_done + self._curve_step
        self._bar = None
        if progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total_words,
                initial=words_done,
                unit="word",
                unit_scale=True,
                desc="training",
                dynamic_ncols=True,
                smoothing=0.1,
            )

    # --- TrainingHooks -------------------------------------------------------------------------
    def on_progress(self, words: int, effective_words: int, loss_sum: float, n_predictions: int) -> None:
        self.words_done += words
        self._curve_loss += loss_sum
        self._curve_predictions += n_predictions
        if self.words_done >= self._curve_next:
            self.flush_curve()
        if self._bar is not None:
            self._bar.update(words)

    def wants_safe_point(self) -> bool:
        return (
            self.on_checkpoint is not None
            and self.checkpoint_interval is not None
            and time.monotonic() - self._last_checkpoint >= self.checkpoint_interval
        )

    def on_safe_point(self, epoch: int, position: int) -> None:
        if self.on_checkpoint is not None:
            self.on_checkpoint(epoch, position)  # the save calls checkpoint_saved()

    def should_stop(self) -> bool:
        return self.stop_requested

    # --- model side ----------------------------------------------------------------------------
    def flush_curve(self) -> None:
        """Record the mean loss since the last point, if any prediction was made."""
        if self._curve_predictions:
            mean = self._curve_loss / self._curve_predictions
            self.loss_curve.append([int(self.words_done), float(mean)])
            if self._bar is not None and math.isfinite(mean):
                self._bar.set_postfix(loss=f"{mean:.4f}", refresh=False)
        self._curve_loss = 0.0
        self._curve_predictions = 0
        self._curve_next = self.words_done + self._curve_step

    def checkpoint_saved(self) -> None:
        self._last_checkpoint = time.monotonic()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextlib.contextmanager
def deferred_interrupt(monitor: TrainingMonitor) -> Iterator[None]:
    """Turn the first Ctrl-C into a stop request honoured at the next chunk boundary.

    Raising KeyboardInterrupt wherever it lands could separate "this chunk is trained" from "this
    chunk is recorded", and a checkpoint would then replay it. A second Ctrl-C interrupts at once.
    Only the main thread can own signal handlers; elsewhere Ctrl-C behaves as usual.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum, frame):
        monitor.stop_requested = monitor.interrupted = True
        signal.signal(signal.SIGINT, previous)
        logger.warning("stopping at the next chunk boundary (Ctrl-C again to abort at once)")

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
