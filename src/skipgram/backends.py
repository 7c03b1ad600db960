"""Choosing the training engine: numba threads, PyTorch, and either under torch.distributed."""

from __future__ import annotations

from ._backend import Backend, TrainingSetup
from .distributed import is_main_process, launched_by_torchrun

__all__ = ["is_main_process", "make_backend"]

TORCH_HINT = "the torch backend needs PyTorch: pip install 'skipgram[torch]'"


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
    if launched_by_torchrun():
        from .distributed import DistributedBackend

        return DistributedBackend(factory, setup)
    return factory(setup)
