"""Giving memory back to the operating system after the one-off vocabulary scan.

Counting a corpus (skipgram.counting) allocates per-block token arrays and word tables that it frees
at the end, and glibc keeps freed heap pages, so the process would carry the scan's peak into
training. Trimming the heap returns that memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

logger = logging.getLogger(__name__)


def release_free_memory() -> None:
    """Collect garbage and ask the C allocator to return free pages (glibc only; else a no-op)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
