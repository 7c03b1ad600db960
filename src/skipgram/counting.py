"""Counting the words of a corpus in bounded memory, on several threads.

Tokens are never Python strings while counting: text is split and hashed as UTF-8 bytes by numba
kernels that release the GIL, and words live in per-thread open-addressing hash tables (a byte arena
plus a few arrays, about 50 bytes per distinct word). Python strings are made only for the words that
reach ``min_count``.

Threads: a block of text is cut into ``workers`` ranges at whitespace; worker ``k`` splits and
hashes range ``k`` and counts it at once in its own table (its *shard*, while the tokens are still in
its core's cache), writing the ids straight into the caller's store. Workers share no table and wait
for each other once per block. A word seen by several workers has a provisional id in each
(``local_id * workers + k``); at the end the shards are merged and :meth:`WordCounts.id_map` maps every
one of those ids to the word. Final ids depend on counts and words only, so any number of workers
gives the same vocabulary, ids and order.

Memory bound (``count_memory_mb``): while the shards fit in it (each its share), counting is exact
and the corpus is encoded in the same pass. When a shard would outgrow its share, every shard's
counts are folded into count-min sketches (conservative update, 16-bit saturating cells, half the
budget), one per hash partition, and the tables are freed; from then on worker ``p`` updates only
the sketch of partition ``p`` (each word in exactly one sketch). A sketch never underestimates, so
after the pass every word with ``count >= min_count`` has an estimate ``>= min_count``. A second pass
over the text then counts exactly, in a fresh table per partition, only the words whose estimate
reaches ``min_count``, and encodes the corpus. The shards are merged without a bound at the end of
an exact pass (memory: the shards plus the words new to the first one).

Guarantee: **the vocabulary and every count in it are exactly those of an unbounded count**, always
(not with high probability); only the number of rare words that pass the filter (and so the second
pass's table size) depends on the sketch's luck, and those are dropped.

Examples
--------
>>> counted = count_words([["a", "b", "a"], ["c", "a"]], workers=2)
>>> words, counts, _ = counted.frequent(1)
>>> sorted(zip(words, counts.tolist()))
[('a', 3), ('b', 1), ('c', 1)]
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
from numba import njit

from . import reading
from .errors import CorpusError

__all__ = ["WordCounts", "count_words"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_ROW_SEED = np.uint64(0x9E3779B97F4A7C15)
_SKETCH_ROWS = 4
_SKETCH_CAP = 65535  # uint16 cells saturate here; the filter compares against min(min_count, cap)
# Provisional ids are int32: local_id * workers + partition must stay below 2**31.
_MAX_IDS = 2**31 - 1
# Ranges a block is cut into per worker (see _Runner).
_RANGES_PER_WORKER = 4

# --- kernels ----------------------------------------------------------------------------------------


@njit(nogil=True, cache=True, inline="always")
def _mix(h):
    # murmur3's 64-bit finaliser: FNV-1a's low bits are weak, and slots, partitions and sketch rows
    # all take bits from the mixed hash.
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@njit(nogil=True, cache=True)
def _tokenize(buf, start, end, max_len, tok_start, tok_len, tok_hash, tok_nl, out):
    """Split ``buf[start:end]`` as ``str.split()`` splits the decoded text; validate UTF-8.

    Writes tokens from index ``out``; ``tok_nl[i]`` is 1 when a newline precedes token ``i`` in the
    range. Returns (n_tokens, status, where, trailing_newline): status 0 ok, 1 invalid UTF-8 at byte
    ``where``, 2 a token longer than ``max_len`` bytes starting at ``where``.
    """
    n = out
    pending = 0
    in_tok = False
    t0 = 0
    h = _FNV_OFFSET
    i = start
    while i < end:
        b = buf[i]
        ws = False
        nl = False
        clen = 1
        if b < 0x80:
            if b == 10:
                ws = True
                nl = True
            elif b == 32 or (9 <= b <= 13) or (28 <= b <= 31):
                ws = True
        else:
            if 0xC2 <= b <= 0xDF:
                clen = 2
            elif 0xE0 <= b <= 0xEF:
                clen = 3
            elif 0xF0 <= b <= 0xF4:
                clen = 4
            else:
                return n - out, 1, i, pending
            if i + clen > end:
                return n - out, 1, i, pending
            b1 = buf[i + 1]
            if b1 < 0x80 or b1 > 0xBF:
                return n - out, 1, i, pending
            if clen == 2:
                ws = b == 0xC2 and (b1 == 0x85 or b1 == 0xA0)
            elif clen == 3:
                b2 = buf[i + 2]
                if (b == 0xE0 and b1 < 0xA0) or (b == 0xED and b1 > 0x9F) or b2 < 0x80 or b2 > 0xBF:
                    return n - out, 1, i, pending
                if b == 0xE1:
                    ws = b1 == 0x9A and b2 == 0x80
                elif b == 0xE2:
                    ws = (b1 == 0x80 and (b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF)) or (
                        b1 == 0x81 and b2 == 0x9F
                    )
                elif b == 0xE3:
                    ws = b1 == 0x80 and b2 == 0x80
            else:
                b2 = buf[i + 2]
                b3 = buf[i + 3]
                if (
                    (b == 0xF0 and b1 < 0x90)
                    or (b == 0xF4 and b1 > 0x8F)
                    or b2 < 0x80
                    or b2 > 0xBF
                    or b3 < 0x80
                    or b3 > 0xBF
                ):
                    return n - out, 1, i, pending
        if ws:
            if in_tok:
                if i - t0 > max_len:
                    return n - out, 2, t0, pending
                tok_start[n] = t0
                tok_len[n] = i - t0
                tok_hash[n] = _mix(h)
                n += 1
                in_tok = False
            if nl:
                pending = 1
        else:
            if not in_tok:
                in_tok = True
                t0 = i
                h = _FNV_OFFSET
                tok_nl[n] = pending
                pending = 0
            for k in range(i, i + clen):
                h = (h ^ np.uint64(buf[k])) * _FNV_PRIME
        i += clen
    if in_tok:
        if end - t0 > max_len:
            return n - out, 2, t0, pending
        tok_start[n] = t0
        tok_len[n] = end - t0
        tok_hash[n] = _mix(h)
        n += 1
    return n - out, 0, 0, pending


@njit(nogil=True, cache=True)
def _split_known(buf, lengths, tok_start, tok_len, tok_hash):
    """Tokens of known byte lengths laid end to end in ``buf``."""
    pos = 0
    for i in range(len(lengths)):
        n = lengths[i]
        h = _FNV_OFFSET
        for k in range(pos, pos + n):
            h = (h ^ np.uint64(buf[k])) * _FNV_PRIME
        tok_start[i] = pos
        tok_len[i] = n
        tok_hash[i] = _mix(h)
        pos += n


@njit(nogil=True, cache=True)
def _split_nul(buf, tok_start, tok_len, tok_hash):
    """Tokens separated by single NUL bytes (every NUL separates; empty tokens count)."""
    n = 0
    t0 = 0
    h = _FNV_OFFSET
    for i in range(len(buf)):
        b = buf[i]
        if b == 0:
            tok_start[n] = t0
            tok_len[n] = i - t0
            tok_hash[n] = _mix(h)
            n += 1
            t0 = i + 1
            h = _FNV_OFFSET
        else:
            h = (h ^ np.uint64(b)) * _FNV_PRIME
    tok_start[n] = t0
    tok_len[n] = len(buf) - t0
    tok_hash[n] = _mix(h)
    return n + 1


@njit(nogil=True, cache=True, inline="always")
def _cell(h, row, width):
    return _mix(h ^ (_ROW_SEED * np.uint64(row + 1))) & np.uint64(width - 1)


@njit(nogil=True, cache=True, inline="always")
def _estimate(sketch, h):
    width = sketch.shape[1]
    m = sketch[0, _cell(h, 0, width)]
    for r in range(1, sketch.shape[0]):
        v = sketch[r, _cell(h, r, width)]
        if v < m:
            m = v
    return m


@njit(nogil=True, cache=True, inline="always")
def _sketch_add(sketch, h, c):
    # Conservative update: raise each cell only to (estimate + c); estimates stay >= true counts.
    width = sketch.shape[1]
    target = min(np.int64(_estimate(sketch, h)) + c, _SKETCH_CAP)
    for r in range(sketch.shape[0]):
        j = _cell(h, r, width)
        if sketch[r, j] < target:
            sketch[r, j] = target


@njit(nogil=True, cache=True, inline="always")
def _partition_of(h, nparts):
    # Lemire's multiply-shift on the top 32 bits: a 64-bit modulo here cost more than the count.
    return np.int64(((h >> _S32) * np.uint64(nparts)) >> _S32)


@njit(nogil=True, cache=True)
def _seed_sketch(w_hash, w_count, n_words, part, nparts, sketch):
    """Add the counted words of partition ``part`` to its sketch."""
    for w in range(n_words):
        h = w_hash[w]
        if nparts == 1 or _partition_of(h, nparts) == part:
            _sketch_add(sketch, h, w_count[w])


@njit(nogil=True, cache=True)
def _rehash(w_hash, n_words, slots):
    mask = np.uint64(len(slots) - 1)
    slots[:] = -1
    for w in range(n_words):
        j = w_hash[w] & mask
        while slots[j] >= 0:
            j = (j + np.uint64(1)) & mask
        slots[j] = w


@njit(nogil=True, cache=True, inline="always")
def _find(h, text, s, length, slots, w_hash, w_off, w_len, arena):
    """(slot, word) of the word ``text[s:s + length]`` with hash ``h``; word -1 (and the free slot
    to put it in) when the table does not hold it."""
    mask = np.uint64(len(slots) - 1)
    j = h & mask
    w = slots[j]
    while w >= 0:
        if w_hash[w] == h and w_len[w] == length:
            o = w_off[w]
            same = True
            for k in range(length):
                if arena[o + k] != text[s + k]:
                    same = False
                    break
            if same:
                return j, w
        j = (j + np.uint64(1)) & mask
        w = slots[j]
    return j, -1


@njit(nogil=True, cache=True, inline="always")
def _has_room(n_words, used, length, w_hash, arena, slots):
    return n_words < len(w_hash) and used + length <= len(arena) and 2 * (n_words + 1) <= len(slots)


@njit(nogil=True, cache=True)
def _count(
    buf, tok_start, tok_len, tok_hash, reg_start, reg_n, reg_begin, reg, part, nparts, route, mode,
    min_est, slots, w_hash, w_off, w_len, w_count, arena, state, sketch, out_ids, shift,
):  # fmt: skip
    """Count tokens of regions ``reg..`` (region ``r`` from its token ``reg_begin[r]``).

    ``route``: only the tokens of hash partition ``part`` (of ``nparts``); otherwise every token.
    mode 0: count every token in the table; 1: only update the sketch; 2: count in the table only
    tokens whose sketch estimate >= ``min_est`` (others get id -1). Token ``i``'s id
    (``word * nparts + part``) goes to ``out_ids[i + shift]``. ``state`` = [n_words, arena_used,
    stop_region, stop_token]. Returns False when the table is full (state says where it stopped).
    """
    mask = np.uint64(len(slots) - 1)
    n_words = state[0]
    used = state[1]
    for r in range(reg, len(reg_start)):
        base = reg_start[r]
        for i in range(base + reg_begin[r], base + reg_n[r]):
            h = tok_hash[i]
            if route and nparts > 1 and _partition_of(h, nparts) != part:
                continue
            if mode == 1:
                _sketch_add(sketch, h, 1)
                continue
            if mode == 2 and _estimate(sketch, h) < min_est:
                out_ids[i + shift] = -1
                continue
            length = tok_len[i]
            s = tok_start[i]
            # the lookup of _find, written out: as a call (even inlined) it made this loop 1.5x slower
            j = h & mask
            w = slots[j]
            while w >= 0:
                if w_hash[w] == h and w_len[w] == length:
                    o = w_off[w]
                    same = True
                    for k in range(length):
                        if arena[o + k] != buf[s + k]:
                            same = False
                            break
                    if same:
                        break
                j = (j + np.uint64(1)) & mask
                w = slots[j]
            if w < 0:
                if not _has_room(n_words, used, length, w_hash, arena, slots):
                    state[0] = n_words
                    state[1] = used
                    state[2] = r
                    state[3] = i - base
                    return False
                w = n_words
                n_words += 1
                slots[j] = w
                w_hash[w] = h
                w_off[w] = used
                w_len[w] = length
                w_count[w] = 0
                arena[used : used + length] = buf[s : s + length]
                used += length
            w_count[w] += 1
            out_ids[i + shift] = w * nparts + part
    state[0] = n_words
    state[1] = used
    return True


@njit(nogil=True, cache=True)
def _uncount(w_count, ids, nparts):
    for i in range(len(ids)):
        w_count[ids[i] // nparts] -= 1


@njit(nogil=True, cache=True)
def _merge(
    slots, w_hash, w_off, w_len, w_count, arena, state,
    src_hash, src_off, src_len, src_count, src_arena, first, n_src, alias,
):  # fmt: skip
    """Add the words ``first..n_src`` of a source table (and their counts) to a table;
    ``alias[w]`` = the word's index there. Returns where it stopped for room (``n_src``: done)."""
    n_words = state[0]
    used = state[1]
    for w in range(first, n_src):
        h = src_hash[w]
        length = src_len[w]
        s = src_off[w]
        j, d = _find(h, src_arena, s, length, slots, w_hash, w_off, w_len, arena)
        if d < 0:
            if not _has_room(n_words, used, length, w_hash, arena, slots):
                state[0] = n_words
                state[1] = used
                return w
            d = n_words
            n_words += 1
            slots[j] = d
            w_hash[d] = h
            w_off[d] = used
            w_len[d] = length
            w_count[d] = 0
            arena[used : used + length] = src_arena[s : s + length]
            used += length
        w_count[d] += src_count[w]
        alias[w] = d
    state[0] = n_words
    state[1] = used
    return n_src


@njit(nogil=True, cache=True)
def _sentence_lengths(nl_before, reg_start, reg_n, state, limit, out):
    """As :func:`_sentences` when every token is kept: only the lengths (``state`` = open [raw, kept])."""
    k = 0
    n = state[0]
    for r in range(len(reg_start)):
        for i in range(reg_start[r], reg_start[r] + reg_n[r]):
            if nl_before[i] and n > 0:
                out[k] = n
                k += 1
                n = 0
            n += 1
            if n == limit:
                out[k] = n
                k += 1
                n = 0
    state[0] = n
    state[1] = n
    return k


@njit(nogil=True, cache=True)
def _sentences(nl_before, ids, reg_start, reg_n, state, limit, out, kept_ids):
    """Kept lengths of the sentences completed by these tokens (``state`` = open [raw, kept]) in
    ``out``, and the counted ids, in order, in ``kept_ids``: returns (sentences completed, ids kept).
    One pass, so that storing a block costs no temporary arrays."""
    k = 0
    n = 0
    raw = state[0]
    kept = state[1]
    for r in range(len(reg_start)):
        for i in range(reg_start[r], reg_start[r] + reg_n[r]):
            if nl_before[i] and raw > 0:
                if kept > 0:
                    out[k] = kept
                    k += 1
                raw = 0
                kept = 0
            raw += 1
            if ids[i] >= 0:
                kept_ids[n] = ids[i]
                n += 1
                kept += 1
            if raw == limit:
                if kept > 0:
                    out[k] = kept
                    k += 1
                raw = 0
                kept = 0
    state[0] = raw
    state[1] = kept
    return k, n


@njit(nogil=True, cache=True)
def _remap_sentences(store, final, lengths, s0, s1, start, kept_out):
    """Sentences ``s0:s1`` of ``store``, whose ids begin at ``start``: each provisional id becomes
    ``final[id]``, the -1s are dropped and the rest compacted in place from ``start``;
    ``kept_out[s]`` = the ids sentence ``s`` keeps. Returns the ids written, or -1 if an id lies
    outside ``final`` (no bounds checks in numba: the caller raises)."""
    n = final.shape[0]
    read = start
    write = start
    for s in range(s0, s1):
        k = 0
        for _ in range(lengths[s]):
            p = store[read]
            read += 1
            if p < 0 or p >= n:
                return -1
            v = final[p]
            if v >= 0:
                store[write] = v
                write += 1
                k += 1
        kept_out[s] = k
    return write - start


@njit(nogil=True, cache=True)
def _move_down(store, source, target, n):
    """``store[target:target + n] = store[source:source + n]`` for ``target <= source``, in place."""
    for i in range(n):
        store[target + i] = store[source + i]


@njit(nogil=True, cache=True)
def _next_cut(buf, pos, end):
    """The position just after the first single-byte whitespace at or after ``pos`` (or ``end``)."""
    for i in range(pos, end):
        b = buf[i]
        if b == 32 or (9 <= b <= 13) or (28 <= b <= 31):
            return i + 1
    return end


@njit(nogil=True, cache=True)
def _join_lines(arena, off, length, out):
    """``out`` = the words ``arena[off[i]:off[i] + length[i]]``, each followed by a newline."""
    p = 0
    for i in range(len(off)):
        o = off[i]
        for k in range(length[i]):
            out[p + k] = arena[o + k]
        p += length[i]
        out[p] = 10
        p += 1


def _decode_words(arena: np.ndarray, off: np.ndarray, length: np.ndarray) -> list[str]:
    """The words at these places of a table's text: joined by newlines and decoded at once (a
    decode per word cost more than the rest of building the vocabulary)."""
    joined = np.empty(int(length.sum()) + len(off), dtype=np.uint8)
    _join_lines(arena, off, length, joined)
    words = joined.tobytes().decode("utf-8", "surrogatepass").split("\n")[:-1]
    if len(words) == len(off):
        return words
    text = arena.tobytes()  # a word holds a newline (a token list can): one at a time
    return [
        text[o : o + n].decode("utf-8", "surrogatepass")
        for o, n in zip(off.tolist(), length.tolist(), strict=True)
    ]


# --- tables -----------------------------------------------------------------------------------------


class _Table:
    """A hash table of exact counts, and, once the exact count gave up, a count-min sketch.

    Its words get provisional ids ``local_id * nparts + part``. In the exact first pass table ``k``
    counts the ``k``-th region of every block (a shard of the text); after the bound was reached
    table ``p`` owns the words of hash partition ``p`` (so every word is in exactly one sketch).
    """

    def __init__(self, part: int, nparts: int, budget: float, sketch_bytes: int) -> None:
        self.part, self.nparts = part, nparts
        self.budget = budget  # bytes for the table; math.inf = unbounded
        self.sketch_bytes = sketch_bytes
        self.mode = 0
        self.sketch = np.zeros((1, 1), dtype=np.uint16)
        self._new_table(1 << 10)

    def _new_table(self, words: int) -> None:
        self.slots = np.full(2 * words, -1, dtype=np.int32)
        self.w_hash = np.zeros(words, dtype=np.uint64)
        self.w_off = np.zeros(words, dtype=np.int64)
        self.w_len = np.zeros(words, dtype=np.int32)
        self.w_count = np.zeros(words, dtype=np.int64)
        self.arena = np.zeros(16 * words, dtype=np.uint8)
        self.state = np.zeros(4, dtype=np.int64)

    @property
    def n_words(self) -> int:
        return int(self.state[0])

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.slots, self.w_hash, self.w_off, self.w_len, self.w_count, self.arena, self.state

    @staticmethod
    def table_bytes(words: int, slots: int, arena: int) -> int:
        return words * 28 + slots * 4 + arena

    def count(
        self, tokens: _Tokens, regions: slice, out: np.ndarray, shift: int, route: bool, min_est: int
    ) -> int:
        """Count the tokens of ``tokens``'s ``regions``; see :meth:`count_arrays`."""
        t = tokens
        reg_start, reg_n = t.reg_start[regions], t.reg_n[regions]
        return self.count_arrays(
            t.buf, t.start, t.length, t.hash, reg_start, reg_n, out, shift, route, min_est
        )

    def count_arrays(self, buf, start, length, hash_, reg_start, reg_n, out, shift, route, min_est) -> int:
        """Count the tokens of the regions ``reg_start``/``reg_n`` (ids to ``out[i + shift]``).

        Returns -1 when done, or (exact mode only) the token of the last region where the table
        stopped because it would outgrow its budget (or the int32 ids).
        """
        begin = np.zeros(len(reg_start), dtype=np.int64)
        reg = 0
        while not _count(
            buf, start, length, hash_, reg_start, reg_n, begin, reg,
            self.part, self.nparts, route, self.mode, min_est, *self.arrays, self.sketch, out, shift,
        ):  # fmt: skip
            reg, stop = int(self.state[2]), int(self.state[3])
            begin[reg] = stop
            if not self._make_room(int(length[reg_start[reg] + stop]), bounded=self.mode == 0):
                return stop
        return -1

    def uncount(self, ids: np.ndarray) -> None:
        """Take back the counts of these ids (of this table): a region counted before its block was
        found to need redoing."""
        _uncount(self.w_count, ids, self.nparts)

    def add_table(self, other: _Table) -> np.ndarray:
        """Add ``other``'s words and counts (no bound: the pass is over); returns each of its words'
        index here."""
        alias = np.empty(other.n_words, dtype=np.int64)
        at = 0
        while at < other.n_words:
            at = _merge(
                *self.arrays, other.w_hash, other.w_off, other.w_len, other.w_count, other.arena,
                at, other.n_words, alias,
            )  # fmt: skip
            if at < other.n_words:
                self._make_room(int(other.w_len[at]), bounded=False)
        return alias

    def _make_room(self, word_len: int, bounded: bool) -> bool:
        """Grow to take one more word; False (and no growth) when ``bounded`` and over the budget."""
        n, used = self.n_words, int(self.state[1])
        words, slots, arena = len(self.w_hash), len(self.slots), len(self.arena)
        if n >= words:
            words *= 2
        if 2 * (n + 1) > slots:
            slots *= 2
        if used + word_len > arena:
            arena = max(2 * arena, used + word_len)
        too_many_ids = words * self.nparts > _MAX_IDS
        if bounded and (too_many_ids or self.table_bytes(words, slots, arena) > self.budget):
            return False
        if too_many_ids:
            raise CorpusError("the corpus has more than 2**31 distinct frequent words: too many to count")
        for name, size in (("w_hash", words), ("w_off", words), ("w_len", words), ("w_count", words)):
            getattr(self, name).resize(size, refcheck=False)  # realloc: the old array is not kept
        self.arena.resize(arena, refcheck=False)
        if slots != len(self.slots):
            self.slots = np.empty(slots, dtype=np.int32)
            _rehash(self.w_hash, n, self.slots)
        return True

    def release(self) -> None:
        """Free the table (its words were added elsewhere)."""
        self._new_table(0)

    def start_sketch(self) -> None:
        """Count only in a fresh sketch from now on (its size: ``sketch_bytes``); the table is freed."""
        width = 1 << max(4, int(self.sketch_bytes // (2 * _SKETCH_ROWS)).bit_length() - 1)
        self.sketch = np.zeros((_SKETCH_ROWS, width), dtype=np.uint16)
        self._new_table(1 << 10)
        self.mode = 1

    def seed_sketch(self, shards: list[_Table]) -> None:
        """Add the exact counts of the words of this partition held in ``shards`` to the sketch."""
        for shard in shards:
            _seed_sketch(shard.w_hash, shard.w_count, shard.n_words, self.part, self.nparts, self.sketch)

    def start_filtered_pass(self) -> None:
        """Second pass: every word is in the sketch; count exactly those that may reach min_count."""
        self._new_table(1 << 10)
        self.mode = 2

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(counts, text offsets, text lengths) of the words in the table, by local id."""
        n = self.n_words
        return self.w_count[:n], self.w_off[:n], self.w_len[:n]


class _Tokens:
    """One block's tokens: positions in ``buf``, hashes, newline flags, in ``len(reg_start)`` regions."""

    def __init__(self, buf, start, length, hash_, nl, reg_start, reg_n) -> None:
        self.buf, self.start, self.length, self.hash, self.nl = buf, start, length, hash_, nl
        self.reg_start = np.asarray(reg_start, dtype=np.int64)
        self.reg_n = np.asarray(reg_n, dtype=np.int64)
        self.n = int(self.reg_n.sum())
        # where each region's tokens begin among the block's tokens, gaps between regions closed
        self.reg_out = np.concatenate([[0], np.cumsum(self.reg_n)[:-1]]).astype(np.int64)

    @classmethod
    def empty_arrays(cls, size: int) -> tuple[np.ndarray, ...]:
        """Arrays for ``size`` tokens (start, length, hash, newline-before); the flags start at 0."""
        return (
            np.empty(size, np.int32),
            np.empty(size, np.int32),
            np.empty(size, np.uint64),
            np.zeros(size, np.uint8),
        )

    def kept_ids(self, ids: np.ndarray) -> np.ndarray:
        """The counted ids of block-indexed ``ids`` (-1: not counted), in token order."""
        parts = [ids[s : s + n] for s, n in zip(self.reg_start.tolist(), self.reg_n.tolist(), strict=True)]
        ids = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return ids[ids >= 0]


class IdStore(Protocol):
    """What :func:`count_words` hands each block's provisional ids to while the first pass is exact,
    and in the second pass: :class:`skipgram.corpus._ProvisionalStore` keeps them for the encoding."""

    def target(self, n: int) -> np.ndarray:
        """An int32 array of at least ``n`` values for the next block's ids, in token order."""

    def add_all(self, tokens: _Tokens) -> None:
        """Every token of the block was counted; its ids are the first ``tokens.n`` of the target."""

    def add(self, tokens: _Tokens, ids: np.ndarray) -> None:
        """Block-indexed ids, -1 for a token the second pass's filter dropped."""

    def end_of_file(self) -> None:
        """A file (or a batch of whole sentences) ended, and with it its last sentence."""

    def reset(self) -> None:
        """The first pass stopped being exact: forget every id stored."""


# --- token sources ----------------------------------------------------------------------------------


def _file_token_blocks(
    corpus: reading.LineCorpus, run: _Runner, shards: _Counter | None
) -> Iterator[tuple[_Tokens | None, bool]]:
    """(tokens of a block, end of file) for each block of each file of a LineCorpus; while
    ``shards`` is active, each worker also counts the region it split."""
    for path in corpus.paths:
        carry = 0  # a newline ended the last block: it precedes this block's first token
        # Each part is a view into a reused buffer, done with before the one after the next is read.
        # With several workers the next block is read on a thread while this one is counted (not
        # with one worker: that one is single-threaded).
        if run.nparts > 1:
            views = reading._read_ahead(reading._file_views(path, buffers=2))
        else:
            views = reading._file_views(path)
        with contextlib.closing(views):
            for part, consumed in views:
                skip = 3 if consumed == 0 and part[:3] == b"\xef\xbb\xbf" else 0
                fused = shards if shards is not None and shards.sharded else None
                tokens = _tokenize_part(part, skip, consumed, path, corpus.errors, run, carry, fused)
                carry = tokens.trailing_newline
                yield tokens, False
        yield None, True


def _tokenize_part(part, skip, consumed, path, errors, run, carry, shards=None) -> _Tokens:
    buf = np.frombuffer(part, dtype=np.uint8)
    end = len(buf)
    # Ranges cut just after single-byte whitespace, so no token or character spans two ranges.
    nranges = run.ranges
    cuts = [skip]
    for k in range(1, nranges):
        cuts.append(
            max(cuts[-1], int(_next_cut(buf, max(cuts[-1], skip + (end - skip) * k // nranges), end)))
        )
    cuts.append(end)
    caps = [(b - a) // 2 + 1 for a, b in itertools.pairwise(cuts)]
    reg_start = np.concatenate([[0], np.cumsum(caps)[:-1]]).astype(np.int64)
    # Every token's newline flag is written by _tokenize, so stale flags of a reused set never survive.
    start, length, hash_, nl = run.token_arrays(int(sum(caps)))
    limit = reading._MAX_WORD_BYTES
    out = None if shards is None else shards.target(int(sum(caps)))

    def one(k: int) -> tuple[int, int, int, int, int, int]:
        n, status, where, trailing = _tokenize(
            buf, cuts[k], cuts[k + 1], limit, start, length, hash_, nl, int(reg_start[k])
        )
        stop, table = -2, -1  # not counted
        if out is not None and status == 0:  # count the range while its tokens are in this core's cache
            stop, table = shards.count_region(buf, start, length, hash_, int(reg_start[k]), n, out)
        return n, status, where, trailing, stop, table

    results = run(one, range(nranges))
    for _, status, where, _, _, _ in results:
        if status == 0:
            continue
        if out is not None:  # take back the regions already counted: the block is redone or fails
            for j, (nj, _, _, _, stop, table) in enumerate(results):
                if stop != -2:
                    counted = nj if stop == -1 else stop
                    shards.uncount(table, out[reg_start[j] : reg_start[j] + counted])
        if status == 1:
            if errors == "replace":  # rare: redo the part with U+FFFD in place of bad bytes
                fixed = bytes(part).decode("utf-8", "replace").encode("utf-8")
                return _tokenize_part(fixed, skip, consumed, path, "strict", run, carry, shards)
            reading._raise_decode_error(path, bytes(part), consumed)
        reading._raise_long_word(path, consumed + where)
    # A newline at the end of range k precedes the first token of the next range that has one.
    for k, (n, _, _, trailing, _, _) in enumerate(results):
        if n and carry:
            nl[reg_start[k]] = 1
        carry = trailing if n else (carry or trailing)
    tokens = _Tokens(buf, start, length, hash_, nl, reg_start, [r[0] for r in results])
    tokens.trailing_newline = carry
    if out is not None:
        tokens.stops = [r[4] for r in results]
        for k in range(1, nranges):  # close the gaps between the ranges' ids (numpy copes with overlap)
            source, n = int(reg_start[k]), int(tokens.reg_n[k])
            target = int(tokens.reg_out[k])
            out[target : target + n] = out[source : source + n]
    return tokens


def _list_token_blocks(sentences: Any, run: _Runner) -> Iterator[tuple[_Tokens | None, bool]]:
    """(tokens, True) per batch of a token-list corpus; every batch ends with whole sentences."""
    for words, lengths in reading._token_batches(sentences):
        n = len(words)
        joined = "\0".join(words)
        data = joined.encode("utf-8", "surrogatepass")
        buf = np.frombuffer(data, dtype=np.uint8)
        start, length, hash_, nl = _Tokens.empty_arrays(n)
        if joined.count("\0") == n - 1:
            _split_nul(buf, start, length, hash_)
        else:  # a token holds a NUL: give the byte lengths instead of separators
            encoded = [w.encode("utf-8", "surrogatepass") for w in words]
            buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            _split_known(buf, np.fromiter(map(len, encoded), np.int64, n), start, length, hash_)
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(np.asarray(lengths[:-1], dtype=np.int64), out=starts[1:])
        nl[starts] = 1
        # one region per worker, so that each shard counts a share of the batch
        cuts = [n * k // run.ranges for k in range(run.ranges + 1)]
        yield _Tokens(buf, start, length, hash_, nl, cuts[:-1], np.diff(cuts)), True


# --- the counter ------------------------------------------------------------------------------------


class _Runner:
    """Runs a function over a few items, on threads when there are several workers; holds the
    token and id arrays reused from block to block.

    A block is cut into ``ranges`` (a few per worker) that the threads take as they come free, each
    counting into its own table (:meth:`worker`), so that a thread slowed for a while (a shared
    machine) does not hold the other up at every block. (On this project's 2-core machine 1, 4, 8
    and 16 ranges per worker measured the same within the noise.)
    """

    def __init__(self, workers: int) -> None:
        self.nparts = workers
        self.ranges = workers * _RANGES_PER_WORKER if workers > 1 else 1
        self._local = threading.local()
        numbers = itertools.count()

        def name_thread() -> None:
            self._local.index = next(numbers)  # one call per pool thread: 0 .. workers - 1

        self.pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="skipgram-count", initializer=name_thread)
            if workers > 1
            else None
        )
        self._arrays: tuple[np.ndarray, ...] | None = None
        self._ids = np.empty(0, dtype=np.int32)

    def __call__(self, fn: Callable, items) -> list:
        if self.pool is None:
            return [fn(i) for i in items]
        return list(self.pool.map(fn, items))

    def worker(self) -> int:
        """The index (0 .. workers - 1) of the calling pool thread; 0 without a pool."""
        return getattr(self._local, "index", 0)

    def token_arrays(self, size: int) -> tuple[np.ndarray, ...]:
        """The token arrays of the current block."""
        if self._arrays is None or len(self._arrays[0]) < size:
            self._arrays = _Tokens.empty_arrays(max(size, 1 << 10))
        return self._arrays

    def ids(self, size: int) -> np.ndarray:
        """An id array of the current block."""
        if len(self._ids) < size:
            self._ids = np.empty(size, dtype=np.int32)
        return self._ids

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class _Counter:
    """The tables of one count and the regime they are in.

    Sharded (the first pass, while exact): worker ``k`` counts region ``k`` of each block in its own
    table, so workers share nothing, and writes the ids straight to the store; a word seen by
    several workers has one provisional id in each, which :class:`WordCounts` maps to one word.
    Partitioned (once a shard outgrew its budget): the shards' counts are folded into one sketch per
    hash partition and worker ``p`` counts the tokens of partition ``p`` of every region.
    """

    def __init__(
        self,
        workers: int,
        budget: float,
        sketch_bytes: int,
        min_est: int,
        run: _Runner,
        store: IdStore | None,
    ) -> None:
        self.budget, self.sketch_bytes, self.min_est, self.run = budget, sketch_bytes, min_est, run
        self.store = store
        self.tables = [_Table(k, workers, budget, sketch_bytes) for k in range(workers)]
        self.sharded = True

    # what a tokenising worker calls for its range of a file block (while sharded)
    def target(self, n: int) -> np.ndarray:
        """Where a block's ids go: the store's next ids (while exact), else a scratch array."""
        return self.store.target(n) if self.store is not None else self.run.ids(n)

    def count_region(self, buf, start, length, hash_, first: int, n: int, out: np.ndarray) -> tuple[int, int]:
        """Count a range in the calling worker's table: (where it stopped or -1, the table)."""
        k = self.run.worker()
        reg_start, reg_n = np.array([first], dtype=np.int64), np.array([n], dtype=np.int64)
        return self.tables[k].count_arrays(
            buf, start, length, hash_, reg_start, reg_n, out, 0, False, self.min_est
        ), k

    def uncount(self, k: int, ids: np.ndarray) -> None:
        self.tables[k].uncount(ids)

    def count_shards(self, tokens: _Tokens, out: np.ndarray) -> list[int]:
        """The workers count the regions in their own tables; ids to ``out`` in token order. Returns
        where each region stopped (-1: done)."""

        def one(k: int) -> int:
            shift = int(tokens.reg_out[k] - tokens.reg_start[k])
            table = self.tables[self.run.worker()]
            return table.count(tokens, slice(k, k + 1), out, shift, False, self.min_est)

        return self.run(one, range(len(tokens.reg_start)))

    def count_partitions(self, tokens: _Tokens, ids: np.ndarray) -> None:
        """Each worker counts its hash partition of every region; block-indexed ``ids``."""
        self.run(
            lambda p: self.tables[p].count(tokens, slice(None), ids, 0, True, self.min_est),
            range(len(self.tables)),
        )

    def leave_shards(self, tokens: _Tokens, stops: list[int]) -> None:
        """A shard reached its budget: fold every shard into the partitions' sketches, then count the
        rest of this block (what the shards had not counted) there."""
        shards, nparts = self.tables, len(self.tables)
        self.tables = [_Table(p, nparts, self.budget, self.sketch_bytes) for p in range(nparts)]
        for table in self.tables:
            table.start_sketch()
        self.run(lambda p: self.tables[p].seed_sketch(shards), range(nparts))
        self.sharded = False
        stop = np.asarray(stops, dtype=np.int64)
        begin = np.where(stop >= 0, stop, tokens.reg_n)  # a region whose shard finished has no rest
        rest = _Tokens(
            tokens.buf,
            tokens.start,
            tokens.length,
            tokens.hash,
            tokens.nl,
            tokens.reg_start + begin,
            tokens.reg_n - begin,
        )
        self.count_partitions(rest, self.run.ids(len(tokens.hash)))


class WordCounts:
    """Exact counts of the words that can reach a threshold, from :func:`count_words`.

    Attributes
    ----------
    raw_total : int
        Tokens read.
    pruned : bool
        True when the memory bound was reached and the second, filtered pass ran: then only words
        that may reach ``min_count`` were counted (all of those exactly).
    id_space : int
        One more than the largest provisional id the count gave a token.
    """

    def __init__(self, tables: list[_Table], raw_total: int, pruned: bool) -> None:
        self.raw_total = raw_total
        self.pruned = pruned
        self.nparts = len(tables)
        self.id_space = max(1, max(t.n_words for t in tables) * self.nparts)
        if pruned:  # partitions: each word in one table, keyed by its provisional id
            self._tables = tables
            self._aliases: list[np.ndarray] | None = None
        else:  # shards: merged into the first, keyed by the index there
            merged = tables[0]
            self._aliases = [np.arange(merged.n_words, dtype=np.int64)]
            for shard in tables[1:]:
                self._aliases.append(merged.add_table(shard))
                shard.release()
            self._tables = [merged]

    @property
    def n_counted(self) -> int:
        """Distinct words held with an exact count."""
        return sum(t.n_words for t in self._tables)

    def _keys(self, table: _Table) -> np.ndarray:
        n = np.arange(table.n_words, dtype=np.int64)
        return n if self._aliases is not None else n * table.nparts + table.part

    def frequent(self, threshold: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(words, exact counts, keys) of the counted words with ``count >= threshold``; a key names
        the word for :meth:`id_map`.

        With ``threshold <= 1`` (no pruning), every word of the corpus.
        """
        words: list[str] = []
        counts, keys = [], []
        for t in self._tables:
            count, off, length = t.entries()
            keep = np.flatnonzero(count >= threshold)
            if keep.size == 0:
                continue
            words.extend(_decode_words(t.arena, off[keep], length[keep]))
            counts.append(count[keep])
            keys.append(self._keys(t)[keep])
        if not words:
            return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
        return words, np.concatenate(counts), np.concatenate(keys)

    def id_map(self, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
        """int32 array over the provisional ids: the value of the word each id stands for (``values[i]``
        for the word of ``keys[i]``, as :meth:`frequent` gave them), -1 for every other id."""
        final = np.full(self.id_space, -1, dtype=np.int32)
        if self._aliases is None:
            final[keys] = values
            return final
        by_key = np.full(self._tables[0].n_words, -1, dtype=np.int32)
        by_key[keys] = values
        for k, alias in enumerate(self._aliases):
            final[k :: self.nparts][: len(alias)] = by_key[alias]
        return final

    def most_frequent(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The single most frequent counted word (for messages when nothing reaches min_count)."""
        best = max(self._tables, key=lambda t: int(t.w_count[: t.n_words].max(initial=0)))
        top = int(best.w_count[: best.n_words].max(initial=0))
        return self.frequent(top) if top else ([], np.zeros(0, np.int64), np.zeros(0, np.int64))


def count_words(
    sentences: Any,
    *,
    min_count: int = 1,
    workers: int = 1,
    count_memory_mb: float | None = 256,
    store: IdStore | None = None,
) -> WordCounts:
    """Count the words of a corpus in bounded memory (see the module docstring for the guarantee).

    Parameters
    ----------
    sentences : anything :func:`skipgram.reading.as_sentences` accepts
    min_count : int
        Words below it may be left uncounted once the memory bound is reached.
    workers : int
        Threads for tokenising and counting.
    count_memory_mb : float or None
        MiB for the exact tables of the first pass (the sketch takes half as much again once used);
        None: no bound, always one pass.
    store : IdStore, optional
        Receives each block's provisional ids while the first pass is exact, and in the second pass
        (used by :func:`skipgram.corpus.scan`); ``reset`` when the first pass stops being exact.
    """
    sentences = reading.as_sentences(sentences)
    budget = math.inf if count_memory_mb is None else count_memory_mb * 2**20 / workers
    sketch_bytes = 0 if count_memory_mb is None else int(count_memory_mb * 2**19 / workers)
    run = _Runner(workers)
    counter = _Counter(workers, budget, sketch_bytes, min(min_count, _SKETCH_CAP), run, store)
    try:
        raw = _count_pass(sentences, counter, run, store, 1)
        pruned = not counter.sharded
        if pruned:
            for table in counter.tables:
                table.start_filtered_pass()
            _count_pass(sentences, counter, run, store, 2)
    finally:
        run.close()
    return WordCounts(counter.tables, raw, pruned)


def _count_pass(sentences, counter: _Counter, run: _Runner, store: IdStore | None, pass_number: int) -> int:
    if isinstance(sentences, reading.LineCorpus):
        blocks = _file_token_blocks(sentences, run, counter)
    else:
        blocks = _list_token_blocks(sentences, run)
    raw = 0
    keep = store is not None  # the ids of this pass go to the store
    for tokens, end_of_file in blocks:
        if tokens is None:
            if keep:
                store.end_of_file()
            continue
        raw += tokens.n
        if counter.sharded:
            stops = getattr(tokens, "stops", None)  # a file block was counted as it was split
            if stops is None:
                stops = counter.count_shards(tokens, counter.target(tokens.n))
            if max(stops) >= 0:
                counter.leave_shards(tokens, stops)
                if keep:
                    store.reset()
                keep = False
        else:
            ids = run.ids(len(tokens.hash))
            counter.count_partitions(tokens, ids)
        if keep:
            store.add_all(tokens) if counter.sharded else store.add(tokens, ids)
        if end_of_file and keep:
            store.end_of_file()
    return raw
