"""The numba engine's description for the registry (imports neither numba nor the kernels)."""

from __future__ import annotations

from ..base import Capabilities, EngineSpec, TrainingSetup
from .trainer import OBJECTIVES  # the kernel table; trainer.py imports no numba at module level


def _load() -> type:
    from .trainer import NumbaBackend

    return NumbaBackend


def _epoch_seconds(setup: TrainingSetup) -> float | None:
    """Only the full softmax can be slow enough to refuse: O(V·D) per pair (see softmax.py)."""
    if setup.loss != "softmax":
        return None
    from .softmax import softmax_epoch_seconds_estimate, softmax_pairs_estimate

    pairs = softmax_pairs_estimate(setup)
    return softmax_epoch_seconds_estimate(pairs, setup.vocab_size, setup.vector_size, setup.batch_size)


SPEC = EngineSpec(
    name="numba",
    summary="numba kernels on lock-free CPU threads (the default, fastest on CPUs)",
    capabilities=Capabilities(
        objectives=OBJECTIVES,
        default_batch_size=256,
    ),
    load=_load,
    epoch_seconds_estimate=_epoch_seconds,
)
