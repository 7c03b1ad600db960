"""The training engines, by name: a registry of :class:`~skipgram.engines.base.EngineSpec`.

Each engine lives in its own folder with a light ``spec.py`` (no numba or torch import) that defines
``SPEC``; adding an engine is that folder plus one line in ``_BUILTIN``. :func:`make_backend` builds the
engine for a setup, wrapped by the distributed engine when the process was started by ``torchrun``.

Examples
--------
>>> from skipgram.engines import engine_names, get_engine
>>> engine_names()[:2]
('numba', 'torch')
>>> get_engine("numba").capabilities.supports("skipgram", "negative")
True
"""

from __future__ import annotations

from importlib import import_module

from .._dist_env import launched_by_torchrun
from ..errors import ParameterError
from .base import Backend, EngineSpec, TrainingSetup

__all__ = ["engine_names", "get_engine", "make_backend", "register", "unsupported_objective"]

# Built-in engines: module path of each spec, in the order help texts list them.
_BUILTIN = (
    "skipgram.engines.numba.spec",
    "skipgram.engines.pytorch.spec",
    "skipgram.engines.cuda.spec",
)

_REGISTRY: dict[str, EngineSpec] = {}


def _load_builtin() -> None:
    if _REGISTRY:
        return
    for module in _BUILTIN:
        spec = import_module(module).SPEC
        _REGISTRY.setdefault(spec.name, spec)


def register(spec: EngineSpec, *, replace: bool = False) -> None:
    """Make an engine available as ``Word2Vec(backend=spec.name)`` and ``--backend NAME``."""
    _load_builtin()
    if spec.name in _REGISTRY and not replace:
        raise ValueError(f"an engine named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec


def unregister(name: str) -> None:
    """Remove an engine added with :func:`register` (tests use it to clean up)."""
    _load_builtin()
    _REGISTRY.pop(name, None)


def engine_names() -> tuple[str, ...]:
    """Names of the registered engines."""
    _load_builtin()
    return tuple(_REGISTRY)


def get_engine(name: str) -> EngineSpec:
    """The spec of engine ``name``; a :class:`ParameterError` listing the choices when unknown."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        choices = ", ".join(repr(n) for n in _REGISTRY)
        raise ParameterError(
            f"The 'backend' parameter of Word2Vec must be one of {choices}; got {name!r}."
        ) from None


def unsupported_objective(name: str, architecture: str, loss: str) -> str | None:
    """None when engine ``name`` trains (architecture, loss); else one line naming an engine that does."""
    spec = get_engine(name)
    if spec.capabilities.supports(architecture, loss):
        return None
    able = [n for n in engine_names() if get_engine(n).capabilities.supports(architecture, loss)]
    elsewhere = f"; backend={able[0]!r} does" if able else ""
    return (
        f"backend={name!r} does not train architecture={architecture!r} with loss={loss!r} "
        f"(it trains {spec.capabilities.describe()}){elsewhere}"
    )


def make_backend(setup: TrainingSetup, name: str) -> Backend:
    """The engine ``name`` for ``setup``, wrapped for data-parallel training under a launcher."""
    spec = get_engine(name)
    refusal = unsupported_objective(name, setup.architecture, setup.loss)
    if refusal:
        raise ParameterError(refusal)
    why_not = spec.available()
    if why_not:
        raise ParameterError(f"backend={name!r} cannot run here: {why_not}")
    factory = spec.load()
    if launched_by_torchrun():
        from .distributed import DistributedBackend

        return DistributedBackend(factory, setup)
    return factory(setup)
