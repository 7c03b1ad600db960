"""Choosing the training engine: numba threads, PyTorch, and either under torch.distributed."""

from __future__ import annotations

import os

from ._backend import Backend, TrainingSetup

TORCH_HINT = "the torch backend needs PyTorch: pip install 'skipgram[torch]'"


def launched_distributed() -> bool:
    """True when started by ``torchrun`` (or another launcher) with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def is_main_process() -> bool:
    """Only rank 0 writes files and shows progress."""
    return int(os.environ.get("RANK", "0")) == 0


def _factory(name: str):
    if name == "numba":
        from ._cpu_trainer import NumbaBackend

        return NumbaBackend
    try:
        from .torch_backend import TorchBackend
    except ModuleNotFoundError as exc:
        if exc.name == "torch":
            raise ImportError(TORCH_HINT) from None
        raise
    return TorchBackend


def make_backend(setup: TrainingSetup, name: str) -> Backend:
    """The backend ``name`` for ``setup``, wrapped for data-parallel training under a launcher."""
    factory = _factory(name)
    if launched_distributed():
        from .distributed import DistributedBackend

        return DistributedBackend(factory, setup)
    return factory(setup)
