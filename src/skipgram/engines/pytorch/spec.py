"""The PyTorch engine's description for the registry (does not import torch)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from ..base import Capabilities, EngineSpec, TrainingSetup

TORCH_MISSING = "the torch backend needs PyTorch: pip install 'skipgram[torch]'"


@dataclass(frozen=True)
class TorchOptions:
    """Word2Vec parameters that only the torch engine reads.

    block_words
        Corpus words per pair-generation block (cut at a sentence start); None: 2**21 on CUDA, 2**18 on
        CPU. Larger blocks shuffle pairs over a wider span and launch fewer kernels.
    row_cap
        Opt-in cap on the summed update a row takes in one minibatch, as a multiple of one pair's
        update (frequent words appear many times per batch; ``index_add_`` sums their steps from one
        stale read). None: no cap.
    precision
        ``"float32"``, or ``"bf16"``: the full softmax's B×V logits in bfloat16 on CUDA (halves their
        memory traffic). Negative sampling always trains in float32, so bf16 is refused there.
    """

    block_words: int | None = None
    row_cap: float | None = None
    precision: str = "float32"


def _load() -> type:
    from .trainer import TorchBackend

    return TorchBackend


def _available() -> str | None:
    return None if importlib.util.find_spec("torch") is not None else TORCH_MISSING


def _epoch_seconds(setup: TrainingSetup) -> float | None:
    return None  # a GEMM per batch on a GPU: no CPU cost model applies


SPEC = EngineSpec(
    name="torch",
    summary="PyTorch minibatches of shuffled pairs (GPUs; CPU works but is slower than numba)",
    capabilities=Capabilities(
        objectives=frozenset(
            {("skipgram", "negative"), ("cbow", "negative"), ("skipgram", "softmax"), ("cbow", "softmax")}
        ),
        default_batch_size=4096,
    ),
    load=_load,
    options=TorchOptions,
    epoch_seconds_estimate=_epoch_seconds,
    available=_available,
)
