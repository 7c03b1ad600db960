"""Counting the words of a corpus in bounded memory, on several threads.

Tokens are never Python strings while counting: text is split and hashed as UTF-8 bytes by numba
kernels that release the GIL, and words live in per-thread open-addressing hash tables (a byte arena
plus a few arrays, about 50 bytes per distinct word). Python strings are made only for the words that
reach ``min_count``.

Threads: a block of text is cut into ``workers`` ranges at whitespace, tokenised and hashed in
parallel; then thread ``p`` counts the tokens whose hash falls in partition ``p`` (each word belongs to
exactly one partition, so no locks and no merging). A word's provisional id is
``local_id * workers + p``; final ids depend on counts and words only, so any number of workers gives
the same vocabulary, ids and order.

Memory bound (``count_memory_mb``): while the tables fit in it, counting is exact and the corpus is
encoded in the same pass. When a partition's table would outgrow its share, its counts are folded into a
count-min sketch (conservative update, 16-bit saturating cells, half the budget) and the table is
freed; from then on that partition only updates the sketch. A sketch never underestimates, so after
the pass every word with ``count >= min_count`` has an estimate ``>= min_count``. A second pass over
the text then counts exactly, in a fresh table, only the words whose estimate reaches ``min_count``
and encodes the corpus. Guarantee: **the vocabulary and every count in it are exactly those of an
unbounded count**, always (not with high probability); only the number of rare words that pass the
filter (and so the second pass's table size) depends on the sketch's luck, and those are dropped.

Examples
--------
>>> counted = count_words([["a", "b", "a"], ["c", "a"]], workers=2)
>>> words, counts, _ = counted.frequent(1)
>>> sorted(zip(words, counts.tolist()))
[('a', 3), ('b', 1), ('c', 1)]
"""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

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
# Bytes per distinct word in a table besides its text: hash 8, offset 8, length 4, count 8, slots ~8.
_WORD_BYTES = 36

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


@njit(nogil=True, cache=True)
def _seed_sketch(w_hash, w_count, n_words, sketch):
    for w in range(n_words):
        _sketch_add(sketch, w_hash[w], w_count[w])


@njit(nogil=True, cache=True)
def _rehash(w_hash, n_words, slots):
    mask = np.uint64(len(slots) - 1)
    slots[:] = -1
    for w in range(n_words):
        j = w_hash[w] & mask
        while slots[j] >= 0:
            j = (j + np.uint64(1)) & mask
        slots[j] = w


@njit(nogil=True, cache=True)
def _count(
    buf, tok_start, tok_len, tok_hash, reg_start, reg_n, reg, begin, part, nparts, mode, min_est,
    slots, w_hash, w_off, w_len, w_count, arena, state, sketch, out_ids,
):  # fmt: skip
    """Count partition ``part``'s tokens of regions ``reg..``, from token ``begin`` of region ``reg``.

    mode 0: count every token in the table; 1: only update the sketch; 2: count in the table only
    tokens whose sketch estimate >= ``min_est`` (others get id -1). ``state`` = [n_words, arena_used,
    stop_region, stop_token]. Returns False when the table is full (state says where it stopped).
    """
    mask = np.uint64(len(slots) - 1)
    n_words = state[0]
    used = state[1]
    cap_words = len(w_hash)
    cap_arena = len(arena)
    for r in range(reg, len(reg_start)):
        base = reg_start[r]
        first = base + (begin if r == reg else 0)
        for i in range(first, base + reg_n[r]):
            h = tok_hash[i]
            # Lemire's multiply-shift on the top 32 bits: a 64-bit modulo here cost more than the count.
            if nparts > 1 and np.int64(((h >> _S32) * np.uint64(nparts)) >> _S32) != part:
                continue
            if mode == 1:
                _sketch_add(sketch, h, 1)
                continue
            if mode == 2 and _estimate(sketch, h) < min_est:
                out_ids[i] = -1
                continue
            length = tok_len[i]
            s = tok_start[i]
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
                if n_words >= cap_words or used + length > cap_arena or 2 * (n_words + 1) > len(slots):
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
            out_ids[i] = w * nparts + part
    state[0] = n_words
    state[1] = used
    return True


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


# --- tables -----------------------------------------------------------------------------------------


class _Partition:
    """One thread's hash table (exact counts) and, once the table outgrew its budget, its sketch."""

    def __init__(self, part: int, nparts: int, budget: float, sketch_bytes: int) -> None:
        self.part, self.nparts = part, nparts
        self.budget = budget  # bytes for the table; math.inf = unbounded
        self.sketch_bytes = sketch_bytes
        self.mode = 0
        self.sketch = np.zeros((1, 1), dtype=np.uint16)
        self.switched = False  # the table outgrew the budget in the first pass
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

    def table_bytes(self, words: int, slots: int, arena: int) -> int:
        return words * 28 + slots * 4 + arena

    def count(self, tokens: _Tokens, out_ids: np.ndarray, min_est: int) -> None:
        reg, begin = 0, 0
        while not _count(
            tokens.buf, tokens.start, tokens.length, tokens.hash, tokens.reg_start, tokens.reg_n,
            reg, begin, self.part, self.nparts, self.mode, min_est,
            self.slots, self.w_hash, self.w_off, self.w_len, self.w_count, self.arena, self.state,
            self.sketch, out_ids,
        ):  # fmt: skip
            reg, begin = int(self.state[2]), int(self.state[3])
            i = tokens.reg_start[reg] + begin
            self._grow(int(tokens.length[i]))

    def _grow(self, word_len: int) -> None:
        """Make room for one more word, or (first pass, over budget) switch to the sketch."""
        n, used = self.n_words, int(self.state[1])
        words, slots, arena = len(self.w_hash), len(self.slots), len(self.arena)
        if n >= words:
            words *= 2
        if 2 * (n + 1) > slots:
            slots *= 2
        if used + word_len > arena:
            arena = max(2 * arena, used + word_len)
        over = self.table_bytes(words, slots, arena) > self.budget
        if (over or words * self.nparts > _MAX_IDS) and self.mode == 0:
            self.switch_to_sketch()
            return
        if words * self.nparts > _MAX_IDS:
            raise CorpusError("the corpus has more than 2**31 distinct frequent words: too many to count")
        for name, size in (("w_hash", words), ("w_off", words), ("w_len", words), ("w_count", words)):
            getattr(self, name).resize(size, refcheck=False)  # realloc: the old array is not kept
        self.arena.resize(arena, refcheck=False)
        if slots != len(self.slots):
            self.slots = np.empty(slots, dtype=np.int32)
            _rehash(self.w_hash, n, self.slots)

    def switch_to_sketch(self) -> None:
        """Fold the exact counts into the sketch, free the table, count only in the sketch."""
        width = 1 << max(4, int(self.sketch_bytes // (2 * _SKETCH_ROWS)).bit_length() - 1)
        self.sketch = np.zeros((_SKETCH_ROWS, width), dtype=np.uint16)
        _seed_sketch(self.w_hash, self.w_count, self.n_words, self.sketch)
        self._new_table(1 << 10)
        self.mode, self.switched = 1, True

    def start_filtered_pass(self) -> None:
        """Second pass: every word is in the sketch; count exactly those that may reach min_count."""
        if self.mode == 0:
            self.switch_to_sketch()
        self._new_table(1 << 10)
        self.mode = 2

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(counts, text offsets, text lengths, provisional ids) of the words in the table."""
        n = self.n_words
        ids = np.arange(n, dtype=np.int64) * self.nparts + self.part
        return self.w_count[:n], self.w_off[:n], self.w_len[:n], ids


class _Tokens:
    """One block's tokens: positions in ``buf``, hashes, newline flags, in ``len(reg_start)`` regions."""

    def __init__(self, buf, start, length, hash_, nl, reg_start, reg_n) -> None:
        self.buf, self.start, self.length, self.hash, self.nl = buf, start, length, hash_, nl
        self.reg_start = np.asarray(reg_start, dtype=np.int64)
        self.reg_n = np.asarray(reg_n, dtype=np.int64)
        self.n = int(self.reg_n.sum())

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
        parts = [ids[s : s + n] for s, n in zip(self.reg_start.tolist(), self.reg_n.tolist(), strict=True)]
        ids = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return ids[ids >= 0]


# --- token sources ----------------------------------------------------------------------------------


def _file_token_blocks(corpus: reading.LineCorpus, run: _Runner) -> Iterator[tuple[_Tokens | None, bool]]:
    """(tokens of a block, end of file) for each block of each file of a LineCorpus."""
    nparts = run.nparts
    for path in corpus.paths:
        carry = 0  # a newline ended the last block: it precedes this block's first token
        # each part is a view into one reused buffer: done with before the next is read (the side
        # thread that stores a block's ids reads its token arrays, never its bytes)
        for part, consumed in reading._file_views(path):
            skip = 3 if consumed == 0 and part[:3] == b"\xef\xbb\xbf" else 0
            run.start_block()
            tokens = _tokenize_part(part, skip, consumed, path, corpus.errors, nparts, run, carry)
            carry = tokens.trailing_newline
            yield tokens, False
        yield None, True


def _tokenize_part(part, skip, consumed, path, errors, nparts, run, carry) -> _Tokens:
    buf = np.frombuffer(part, dtype=np.uint8)
    end = len(buf)
    # Ranges cut just after single-byte whitespace, so no token or character spans two ranges.
    cuts = [skip]
    for k in range(1, nparts):
        cuts.append(max(cuts[-1], int(_next_cut(buf, max(cuts[-1], skip + (end - skip) * k // nparts), end))))
    cuts.append(end)
    caps = [(b - a) // 2 + 1 for a, b in itertools.pairwise(cuts)]
    reg_start = np.concatenate([[0], np.cumsum(caps)[:-1]]).astype(np.int64)
    # Every token's newline flag is written by _tokenize, so stale flags of a reused set never survive.
    start, length, hash_, nl = run.token_arrays(int(sum(caps)))
    limit = reading._MAX_WORD_BYTES

    def one(k: int) -> tuple[int, int, int, int]:
        return _tokenize(buf, cuts[k], cuts[k + 1], limit, start, length, hash_, nl, int(reg_start[k]))

    results = run(one, range(nparts))
    for _, status, where, _ in results:
        if status == 1:
            if errors == "replace":  # rare: redo the part with U+FFFD in place of bad bytes
                fixed = bytes(part).decode("utf-8", "replace").encode("utf-8")
                return _tokenize_part(fixed, skip, consumed, path, "strict", nparts, run, carry)
            reading._raise_decode_error(path, bytes(part), consumed)
        if status == 2:
            reading._raise_long_word(path, consumed + where)
    # A newline at the end of range k precedes the first token of the next range that has one.
    for k, (n, _, _, trailing) in enumerate(results):
        if n and carry:
            nl[reg_start[k]] = 1
        carry = trailing if n else (carry or trailing)
    tokens = _Tokens(buf, start, length, hash_, nl, reg_start, [r[0] for r in results])
    tokens.trailing_newline = carry
    return tokens


def _list_token_blocks(sentences: Any, run: _Runner) -> Iterator[tuple[_Tokens | None, bool]]:
    """(tokens, True) per batch of a token-list corpus; every batch ends with whole sentences."""
    for words, lengths in reading._token_batches(sentences):
        run.start_block()
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
        yield _Tokens(buf, start, length, hash_, nl, [0], [n]), True


# --- the counter ------------------------------------------------------------------------------------


class _Runner:
    """Runs a function over a few items, on threads when there are several workers.

    With several workers, the caller's per-block work (storing a block's ids) also runs on a side
    thread (:meth:`after`), overlapped with the next block's tokenising and counting; so block k's
    token and id arrays must survive until block k + 1 is counted: two sets, used in turn.
    """

    def __init__(self, workers: int) -> None:
        self.nparts = workers
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="skipgram-count") if workers > 1 else None
        self.side = ThreadPoolExecutor(1, thread_name_prefix="skipgram-store") if workers > 1 else None
        self._sets = 2 if workers > 1 else 1
        self._block = 0
        self._arrays: list[tuple[np.ndarray, ...] | None] = [None] * self._sets
        self._ids = [np.empty(0, dtype=np.int32)] * self._sets
        self._pending: collections.deque[Future] = collections.deque()

    def __call__(self, fn: Callable, items) -> list:
        if self.pool is None:
            return [fn(i) for i in items]
        return list(self.pool.map(fn, items))

    def start_block(self) -> None:
        """The next block begins: it takes the other set (free since :meth:`after` returned)."""
        self._block += 1

    def token_arrays(self, size: int) -> tuple[np.ndarray, ...]:
        """The token arrays of the current block."""
        k = self._block % self._sets
        if self._arrays[k] is None or len(self._arrays[k][0]) < size:
            self._arrays[k] = _Tokens.empty_arrays(max(size, 1 << 10))
        return self._arrays[k]

    def ids(self, size: int) -> np.ndarray:
        """The id array of the current block."""
        k = self._block % self._sets
        if len(self._ids[k]) < size:
            self._ids[k] = np.empty(size, dtype=np.int32)
        return self._ids[k]

    def after(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` after the previous calls; on the side thread, overlapped with the next
        block, when there is one. Returns once every call but this one has finished."""
        if self.side is None:
            fn(*args)
            return
        self._pending.append(self.side.submit(fn, *args))
        while len(self._pending) > 1:
            self._pending.popleft().result()

    def drain(self) -> None:
        """Wait for every :meth:`after` call (raising the first error)."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        for pool in (self.pool, self.side):
            if pool is not None:
                pool.shutdown(cancel_futures=True)


class WordCounts:
    """Exact counts of the words that can reach a threshold, from :func:`count_words`.

    Attributes
    ----------
    raw_total : int
        Tokens read.
    pruned : bool
        True when the memory bound was reached and the second, filtered pass ran: then only words
        that may reach ``min_count`` were counted (all of those exactly).
    """

    def __init__(self, partitions: list[_Partition], raw_total: int, pruned: bool) -> None:
        self._partitions = partitions
        self.raw_total = raw_total
        self.pruned = pruned
        self.id_space = max(1, max(p.n_words for p in partitions) * len(partitions))

    @property
    def n_counted(self) -> int:
        """Distinct words held with an exact count."""
        return sum(p.n_words for p in self._partitions)

    def frequent(self, threshold: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(words, exact counts, provisional ids) of the counted words with ``count >= threshold``.

        With ``threshold <= 1`` (no pruning), every word of the corpus.
        """
        words: list[str] = []
        counts, ids = [], []
        for p in self._partitions:
            count, off, length, prov = p.entries()
            keep = np.flatnonzero(count >= threshold)
            if keep.size == 0:
                continue
            text = p.arena[: int(p.state[1])].tobytes()
            for o, n in zip(off[keep].tolist(), length[keep].tolist(), strict=True):
                words.append(text[o : o + n].decode("utf-8", "surrogatepass"))
            counts.append(count[keep])
            ids.append(prov[keep])
        if not words:
            return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
        return words, np.concatenate(counts), np.concatenate(ids)

    def most_frequent(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The single most frequent counted word (for messages when nothing reaches min_count)."""
        best = max(self._partitions, key=lambda p: int(p.w_count[: p.n_words].max(initial=0)))
        top = int(best.w_count[: best.n_words].max(initial=0))
        return self.frequent(top) if top else ([], np.zeros(0, np.int64), np.zeros(0, np.int64))


def count_words(
    sentences: Any,
    *,
    min_count: int = 1,
    workers: int = 1,
    count_memory_mb: float | None = 256,
    on_batch: Callable[[_Tokens, np.ndarray, bool, int], None] | None = None,
    on_restart: Callable[[], None] | None = None,
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
    on_batch : callable, optional
        ``on_batch(tokens, ids, end_of_file, pass_number)`` after each block, with the provisional
        ids (-1: not counted), while the pass is still exact (used by :func:`skipgram.corpus.scan`).
    on_restart : callable, optional
        Called when the first pass stops being exact: what ``on_batch`` received is void.
    """
    sentences = reading.as_sentences(sentences)
    budget = math.inf if count_memory_mb is None else count_memory_mb * 2**20 / workers
    sketch_bytes = 0 if count_memory_mb is None else int(count_memory_mb * 2**19 / workers)
    parts = [_Partition(p, workers, budget, sketch_bytes) for p in range(workers)]
    min_est = min(min_count, _SKETCH_CAP)
    run = _Runner(workers)
    try:
        raw = _count_pass(sentences, parts, run, min_est, on_batch, on_restart, 1)
        pruned = any(p.switched for p in parts)
        if pruned:
            for p in parts:
                p.start_filtered_pass()
            _count_pass(sentences, parts, run, min_est, on_batch, None, 2)
    finally:
        run.close()
    return WordCounts(parts, raw, pruned)


def _count_partition(parts: list[_Partition], tokens: _Tokens, ids: np.ndarray, min_est: int, p: int) -> None:
    parts[p].count(tokens, ids, min_est)


def _count_pass(sentences, parts, run, min_est, on_batch, on_restart, pass_number) -> int:
    if isinstance(sentences, reading.LineCorpus):
        blocks = _file_token_blocks(sentences, run)
    else:
        blocks = _list_token_blocks(sentences, run)
    raw = 0
    exact = True
    for tokens, end_of_file in blocks:
        if tokens is None:
            if on_batch is not None and exact:
                run.after(on_batch, None, None, True, pass_number)
            continue
        raw += tokens.n
        ids = run.ids(len(tokens.hash))
        run(partial(_count_partition, parts, tokens, ids, min_est), range(len(parts)))
        if exact and pass_number == 1 and any(p.switched for p in parts):
            exact = False
            run.drain()
            if on_restart is not None:
                on_restart()
        if on_batch is not None and exact:
            run.after(on_batch, tokens, ids, end_of_file, pass_number)
    run.drain()
    return raw
