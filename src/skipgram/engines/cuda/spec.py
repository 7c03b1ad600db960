"""The CUDA engine's entry in the engine registry (light: imports neither numba nor numba.cuda).

``backend="cuda"``: skip-gram with negative sampling as a custom numba-cuda kernel (:mod:`.kernels`,
:mod:`.trainer`). ``pip install 'skipgram[cuda]'``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import ParameterError
from ..base import Capabilities, EngineSpec

NUMBA_CUDA_MISSING = "the cuda engine needs numba-cuda: pip install 'skipgram[cuda]'"


@dataclass(frozen=True)
class CudaOptions:
    """Options of the CUDA engine.

    Parameters
    ----------
    piece_words : int, default 1024
        Corpus words per thread block (longer sentences are cut into parts this long; windows stop at
        the cut, as in the C tool's 1,000-word sentences).
    threads_per_block : int, default 64
        Threads of one block (over the vector's dimensions and the window's score pairs).
    pieces_per_launch : int, default 4096
        Pieces per kernel launch: one progress report, one read-back and one safe position per launch.

    Examples
    --------
    >>> CudaOptions(piece_words=512).threads_per_block
    64
    """

    piece_words: int = 1024
    threads_per_block: int = 64
    pieces_per_launch: int = 4096

    def __post_init__(self) -> None:
        for name, low, high in (
            ("piece_words", 1, 32767),
            ("threads_per_block", 1, 1024),
            ("pieces_per_launch", 1, 1 << 30),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ParameterError(
                    f"The '{name}' option of the cuda engine must be an int in the range "
                    f"[{low}, {high}]; got {value!r}."
                )


def available() -> str | None:
    """None when a CUDA GPU can be used; otherwise one line saying why not."""
    try:
        from numba import cuda
    except ImportError:
        return NUMBA_CUDA_MISSING
    try:
        if cuda.is_available():
            return None
    except Exception as exc:  # a broken driver or toolkit: say what numba-cuda said
        return f"the cuda engine cannot use the GPU: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return (
        "the cuda engine needs an NVIDIA GPU, and numba-cuda sees none (numba.cuda.is_available() is "
        "False); use backend='numba' or backend='torch'"
    )


def _load() -> type:
    from .trainer import CudaBackend

    return CudaBackend


SPEC = EngineSpec(
    name="cuda",
    summary="a custom CUDA kernel (numba-cuda): skip-gram with negative sampling, one GPU per process",
    capabilities=Capabilities(
        objectives=frozenset({("skipgram", "negative")}),
        default_batch_size=None,
    ),
    load=_load,
    options=CudaOptions,
    available=available,
)
