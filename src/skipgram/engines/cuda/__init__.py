"""The CUDA engine (``backend="cuda"``): a numba-cuda kernel for skip-gram with negative sampling."""
