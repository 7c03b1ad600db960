"""Choosing the training engine: numba threads, PyTorch, and either under torch.distributed."""

from __future__ import annotations

from ._backend import Backend, TrainingSetup
from .distributed import is_main_process, launched_by_torchrun

__all__ = ["is_main_process", "make_backend"]


def _factory(name: str):
    if name == "numba":
        from ._cpu_trainer import NumbaBackend

        return NumbaBackend
    from .torch_backend import TorchBackend  # raises ImportError with the install hint without torch

    return TorchBackend


def make_backend(setup: TrainingSetup, name: str) -> Backend:
    """The backend ``name`` for ``setup``, wrapped for data-parallel training under a launcher."""
    factory = _factory(name)
    if launched_by_torchrun():
        from .distributed import DistributedBackend

        return DistributedBackend(factory, setup)
    return factory(setup)
