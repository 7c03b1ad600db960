"""Giving memory back to the operating system after the one-off vocabulary scan.

Counting a corpus creates and frees millions of short-lived token strings. The words that survive are
scattered through Python's memory arenas and pin them, and glibc keeps freed heap pages, so the
process would carry the scan's peak into training. Copying the kept words into fresh strings and
trimming the heap returns that memory (about 50 MB on a 17M-token corpus).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

logger = logging.getLogger(__name__)


def fresh_strings(words: list[str]) -> list[str]:
    """New string objects equal to ``words``, allocated together."""
    return [word.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for word in words]


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
