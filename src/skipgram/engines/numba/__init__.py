"""The numba engine: lock-free threads over chunks of sentences, one ``nogil`` kernel call per chunk."""
