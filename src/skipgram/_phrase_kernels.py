"""numba kernels for phrase detection: counting phrase candidates and finding phrases in id streams.

A phrase candidate is two content words ``a``, ``b`` with only connector words (possibly none) between
them, inside one sentence. It is keyed by two int64s: ``(a << 32) | b`` and the connector run, coded
as base-``(C + 1)`` digits of the connectors' 1-based indices (0 = no connector). Keys live in an
open-addressing table (power-of-two capacity, linear probing, ``KEY_EMPTY`` marks a free slot).

Token ids: ``>= 0`` in-vocabulary words; ``-1`` words that can never be part of a phrase (unknown or
rarer than ``min_count``), which end any candidate. ``connector[w] > 0`` marks connector words.
The caller validates every array (shapes, dtypes, id range) before calling: no bounds checks here.
"""

from __future__ import annotations

import numba
import numpy as np

KEY_EMPTY = -1


# Odd 64-bit multipliers (golden ratio; murmur3's) as signed int64: the products wrap, as intended.
_MIX1 = np.int64(0x9E3779B97F4A7C15 - (1 << 64))
_MIX2 = np.int64(0xC2B2AE3D27D4EB4F - (1 << 64))


@numba.njit(cache=True, inline="always")
def _slot(key1, key2, mask):
    h = key1 * _MIX1 + key2 * _MIX2
    h ^= h >> 29
    return h & mask


@numba.njit(cache=True, nogil=True)
def count_candidates(ids, offsets, connector, base, max_run, keys1, keys2, counts, insert):
    """Add every candidate of the sentences ``ids[offsets[i]:offsets[i+1]]`` to the table.

    With ``insert=False`` only candidates already in the table are counted (the exact second pass).
    The caller guarantees free slots for ``len(ids)`` new keys. Returns the number of keys added.
    """
    mask = len(keys1) - 1
    added = 0
    for s in range(len(offsets) - 1):
        prev = -1
        code = 0
        run = 0
        for i in range(offsets[s], offsets[s + 1]):
            w = ids[i]
            if w < 0:
                prev = -1
                continue
            c = connector[w]
            if c > 0:
                if prev >= 0:
                    if run == max_run:  # too many connectors in a row: no phrase spans them
                        prev = -1
                    else:
                        code = code * base + c
                        run += 1
                continue
            if prev >= 0:
                key1 = (np.int64(prev) << 32) | np.int64(w)
                j = _slot(key1, code, mask)
                while True:
                    k = keys1[j]
                    if k == key1 and keys2[j] == code:
                        counts[j] += 1
                        break
                    if k == KEY_EMPTY:
                        if insert:
                            keys1[j] = key1
                            keys2[j] = code
                            counts[j] = 1
                            added += 1
                        break
                    j = (j + 1) & mask
            prev = w
            code = 0
            run = 0
    return added


@numba.njit(cache=True, nogil=True)
def rehash(old1, old2, old_counts, keys1, keys2, counts):
    """Insert every used slot of the old table into the (empty) new one."""
    mask = len(keys1) - 1
    for i in range(len(old1)):
        key1 = old1[i]
        if key1 == KEY_EMPTY:
            continue
        j = _slot(key1, old2[i], mask)
        while keys1[j] != KEY_EMPTY:
            j = (j + 1) & mask
        keys1[j] = key1
        keys2[j] = old2[i]
        counts[j] = old_counts[i]


@numba.njit(cache=True, nogil=True)
def find_phrases(ids, offsets, connector, base, max_run, keys1, keys2, values, starts, stops, phrase):
    """Greedy left-to-right phrase detection (word2phrase's and gensim's rule), non-overlapping.

    ``values[j]`` is the phrase number of the key in slot ``j``. Writes the spans ``[starts[k],
    stops[k])`` (token positions) and ``phrase[k]``; returns how many were found (at most
    ``len(ids) // 2``, the size the caller gives the output arrays).
    """
    mask = len(keys1) - 1
    found = 0
    for s in range(len(offsets) - 1):
        prev = -1
        at = 0
        code = 0
        run = 0
        for i in range(offsets[s], offsets[s + 1]):
            w = ids[i]
            if w < 0:
                prev = -1
                continue
            c = connector[w]
            if c > 0:
                if prev >= 0:
                    if run == max_run:
                        prev = -1
                    else:
                        code = code * base + c
                        run += 1
                continue
            if prev >= 0:
                key1 = (np.int64(prev) << 32) | np.int64(w)
                j = _slot(key1, code, mask)
                hit = -1
                while True:
                    k = keys1[j]
                    if k == key1 and keys2[j] == code:
                        hit = values[j]
                        break
                    if k == KEY_EMPTY:
                        break
                    j = (j + 1) & mask
                if hit >= 0:
                    starts[found] = at
                    stops[found] = i + 1
                    phrase[found] = hit
                    found += 1
                    prev = -1  # the phrase's last word does not start another phrase
                    continue
            prev = w
            at = i
            code = 0
            run = 0
    return found
