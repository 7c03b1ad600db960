"""Host side of the CUDA engine's sampling: pieces of corpus, and a NumPy twin of the device RNG.

Pure NumPy (plus numba's CPU ``njit`` for the planning loop): nothing here imports ``numba.cuda``, so
the tests' reference update and the trainer's planning run without a GPU or the simulator.

**Pieces.** The GPU trains one *piece* per thread block. A piece is either a run of whole consecutive
sentences of at most ``piece_words`` words, or, for a longer sentence, one of ``ceil(L / piece_words)``
nearly equal parts of it. Windows never cross a sentence boundary, and they also stop at the edge of a
part: a long sentence is trained as if it were cut into sentences of about ``piece_words`` words (the C
tool does the same: it reads at most 1,000 words per "sentence", so a one-line corpus such as text8 is
trained in 1,000-word pieces). With ``piece_words=1024`` and ``window=5`` (dynamic) this drops about 14
of the ~4,000 (centre, context) pairs of a piece, 0.35 %.

**Random numbers.** Counter-based: draw number ``counter`` of a piece is
``mix64(key + (counter + 1) * GOLDEN)`` with ``key = piece_key(seed, epoch, piece)``, i.e. output
``counter + 1`` of a SplitMix64 stream seeded with the piece's key. Every draw is a pure function of
(seed, epoch, piece, counter), so any thread can compute any draw, the order threads run in does not
matter, and a piece trains the same way whichever launch it is in. Counters:

- ``raw * STRIDE`` (slot 0): subsampling of the ``raw``-th word of the piece;
- ``kept * STRIDE + 1``: the reduced window of the ``kept``-th word that survived subsampling;
- ``kept * STRIDE + 2 + i``: its ``i``-th noise word (alias draw: index from the top 32 bits, the
  acceptance uniform from bits 8-31).

with ``STRIDE = negative + 2``.

Examples
--------
>>> plan_pieces(np.array([0, 3, 5, 30]), 10)
(array([ 0,  5, 13, 21]), array([ 5, 13, 21, 30]), array([0, 2, 2, 2]))
>>> int(random_bits(piece_key(1, 0, 0), np.uint64(0))) == int(random_bits(piece_key(1, 0, 0), np.uint64(0)))
True
"""

from __future__ import annotations

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
INV_2_24 = np.float32(1.0 / 16777216.0)
MASK24 = np.uint64(0xFFFFFF)


def _u64(x) -> np.ndarray:
    return np.asarray(x).astype(np.uint64)


def mix64(z):
    """SplitMix64's output function (Steele, Lea, Flood 2014) on uint64 scalars or arrays."""
    with np.errstate(over="ignore"):
        z = _u64(z)
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
        return z ^ (z >> np.uint64(31))


def piece_key(seed: int, epoch: int, piece: int) -> np.uint64:
    """The 64-bit key of one piece's stream: depends on (seed, epoch, piece) only."""
    with np.errstate(over="ignore"):
        z = _u64(seed) * GOLDEN
        z = z ^ (_u64(epoch + 1) * MIX1)
        z = z ^ (_u64(piece + 1) * MIX2)
        return np.uint64(mix64(mix64(z)))


def random_bits(key, counter):
    """64 random bits: draw ``counter`` (uint64, scalar or array) of the stream ``key``."""
    with np.errstate(over="ignore"):
        return mix64(_u64(key) + (_u64(counter) + np.uint64(1)) * GOLDEN)


def uniform(bits):
    """A float32 in [0, 1) from the top 24 bits."""
    return (_u64(bits) >> np.uint64(40)).astype(np.float32) * INV_2_24


def below(bits, n: int):
    """An int in [0, n) from the top 32 bits (multiply-shift)."""
    with np.errstate(over="ignore"):
        return ((_u64(bits) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32)


def alias_draw(bits, alias_prob: np.ndarray, alias_index: np.ndarray):
    """A noise word from Vose's alias table: index from the top 32 bits, acceptance from bits 8-31."""
    i = below(bits, alias_prob.shape[0]).astype(np.int64)
    u = ((_u64(bits) >> np.uint64(8)) & MASK24).astype(np.float32) * INV_2_24
    return np.where(u < alias_prob[i], i, alias_index[i].astype(np.int64))


@njit(cache=True)
def _plan(offsets, piece_words):
    n_sentences = offsets.shape[0] - 1
    cap = n_sentences + offsets[-1] // piece_words + 2
    starts = np.empty(cap, np.int64)
    stops = np.empty(cap, np.int64)
    first = np.empty(cap, np.int64)
    n = 0
    open_start = -1  # start of the piece of whole short sentences being filled, -1 if none
    open_first = 0
    for s in range(n_sentences):
        a, b = offsets[s], offsets[s + 1]
        length = b - a
        if length == 0:
            continue
        if open_start >= 0 and (length > piece_words or b - open_start > piece_words):
            starts[n], stops[n], first[n] = open_start, a, open_first
            n += 1
            open_start = -1
        if length > piece_words:
            parts = (length + piece_words - 1) // piece_words
            for k in range(parts):
                starts[n] = a + (length * k) // parts
                stops[n] = a + (length * (k + 1)) // parts
                first[n] = s
                n += 1
        elif open_start < 0:
            open_start, open_first = a, s
    if open_start >= 0:
        starts[n], stops[n], first[n] = open_start, offsets[n_sentences], open_first
        n += 1
    return starts[:n].copy(), stops[:n].copy(), first[:n].copy()


def plan_pieces(offsets: np.ndarray, piece_words: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the corpus into pieces (see the module docstring).

    Returns ``(starts, stops, first_sentence)``, int64 each: piece ``p`` covers words
    ``starts[p]:stops[p]`` and begins in sentence ``first_sentence[p]``. Empty sentences get no piece;
    every piece has between 1 and ``piece_words`` words, and the pieces tile the non-empty sentences.
    """
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    if offsets.shape[0] < 2:
        empty = np.zeros(0, np.int64)
        return empty, empty.copy(), empty.copy()
    return _plan(offsets, int(piece_words))


def launch_bounds(n_pieces: int, pieces_per_launch: int) -> np.ndarray:
    """Piece indices where launches start and end: ``[0, L, 2L, ..., n_pieces]``.

    >>> launch_bounds(10, 4)
    array([ 0,  4,  8, 10])
    """
    bounds = np.arange(0, n_pieces, pieces_per_launch, dtype=np.int64)
    return np.append(bounds, np.int64(n_pieces))
