"""numba-cuda kernels of the CUDA engine: skip-gram with negative sampling, one thread block per piece.

The computation is the numba engine's window kernel (``skipgram_negative_chunk``), laid out for a GPU:

- one **block per piece** of corpus (``sampling.plan_pieces``), many pieces per launch, blocks updating
  the shared matrices without locks (Hogwild, as the CPU threads do);
- in a block, ``threads`` threads first subsample the piece's words in parallel (one counter-based draw
  per word, ``sampling``'s scheme), then walk its centre words in order. For a centre c with contexts
  o_1..o_m and k noise words n_1..n_k drawn once for the window, the block copies A = W[o] (m×D) and
  B = W'[c, n] ((k+1)×D) into shared memory, computes the m·(k+1) scores with one thread per (o, t)
  pair, G = (label - σ(S))·lr, and applies W[o] += G B and W'[t] += Gᵀ A with threads over the
  dimensions (coalesced row reads and writes). As on the CPU, a context word's row of W predicts the
  centre's row of W', a noise word equal to the centre is skipped, and the window's updates are computed
  from the values it started with.
- the learning rate is the schedule's value at the piece's first word (linear decay over the launch,
  piece by piece); the loss (float64) and the counters are reduced in the block and added atomically to
  a float64[3] on the device, read back once per launch.

σ is computed exactly (``1 / (1 + exp(-f))``) and saturates to 0 or 1 beyond ±MAX_EXP, like the CPU
tables; the loss -log σ(±f) is exact.

Kernels are built per (D, window, negative, threads, piece_words) by :func:`skipgram_negative_kernel`:
those are compile-time constants that size the shared arrays. ``numba.cuda`` is imported here: with
``NUMBA_ENABLE_CUDASIM=1`` in the environment before that import, the same source runs on numba's CUDA
simulator on any CPU (that is how the tests run it).
"""

from __future__ import annotations

import functools
import math

from numba import cuda, float32, float64, int16, int32, int64, uint64

from .sampling import GOLDEN, INV_2_24, MASK24, MIX1, MIX2

MAX_EXP = 8.0  # the numba engine's saturation point for σ


# ---------------------------------------------------------------------------------------------------
# Device twins of sampling.py's RNG: same constants, same bit operations, so the tests can replay them.


@cuda.jit(device=True, inline=True)
def mix64(z):
    z = (z ^ (z >> uint64(30))) * MIX1
    z = (z ^ (z >> uint64(27))) * MIX2
    return z ^ (z >> uint64(31))


@cuda.jit(device=True, inline=True)
def piece_key(seed, epoch, piece):
    z = uint64(seed) * GOLDEN
    z = z ^ (uint64(epoch + 1) * MIX1)
    z = z ^ (uint64(piece + 1) * MIX2)
    return mix64(mix64(z))


@cuda.jit(device=True, inline=True)
def random_bits(key, counter):
    return mix64(key + (uint64(counter) + uint64(1)) * GOLDEN)


@cuda.jit(device=True, inline=True)
def uniform(bits):
    return float32(bits >> uint64(40)) * INV_2_24


@cuda.jit(device=True, inline=True)
def below(bits, n):
    return int64(((bits >> uint64(32)) * uint64(n)) >> uint64(32))


@cuda.jit(device=True, inline=True)
def alias_draw(bits, alias_prob, alias_index):
    i = below(bits, alias_prob.shape[0])
    u = float32((bits >> uint64(8)) & MASK24) * INV_2_24
    if u < alias_prob[i]:
        return i
    return int64(alias_index[i])


@cuda.jit(device=True, inline=True)
def sigmoid(f):
    if f >= MAX_EXP:
        return float32(1.0)
    if f <= -MAX_EXP:
        return float32(0.0)
    return float32(1.0) / (float32(1.0) + math.exp(-f))


@cuda.jit(device=True, inline=True)
def softplus(x):
    """log(1 + exp(x)) = -log σ(-x), without overflow."""
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@cuda.jit(device=True, inline=True)
def learning_rate(lr_start, lr_end, words_done, total_words):
    """The schedule (``LearningRateSchedule.at``) at ``words_done``."""
    progress = min(1.0, max(0.0, float64(words_done) / float64(max(int64(1), total_words))))
    return float32(lr_start - (lr_start - lr_end) * progress)


# ---------------------------------------------------------------------------------------------------


@functools.cache
def skipgram_negative_kernel(dim: int, window: int, negative: int, threads: int, piece_words: int):
    """The skip-gram negative-sampling kernel for these compile-time sizes.

    Launch as ``kernel[n_blocks, threads](ids, offsets, starts, stops, first_sentence, first_piece,
    last_piece, w_in, w_out, keep_prob, alias_prob, alias_index, shrink, lr_start, lr_end, words_done,
    total_words, seed, epoch, totals)``: block b trains piece ``first_piece + b`` if it is below
    ``last_piece``; ``words_done`` is the number of corpus words of earlier epochs (the schedule's clock
    at the epoch's start);
    ``totals`` (float64[3]) accumulates loss, predictions, and words kept by subsampling.
    """
    dim_pad = dim + 1 if dim % 2 == 0 else dim  # odd row stride: a warp's column reads hit distinct banks
    k1 = negative + 1
    max_ctx = 2 * window
    stride = negative + 2
    n_pairs_max = max_ctx * k1

    def kernel(
        ids, offsets, starts, stops, first_sentence, first_piece, last_piece, w_in, w_out, keep_prob,
        alias_prob, alias_index, shrink, lr_start, lr_end, words_done, total_words, seed, epoch, totals,
    ):  # fmt: skip
        kept = cuda.shared.array(piece_words, int32)  # word ids; -1 marks a dropped word before compaction
        seg_lo = cuda.shared.array(piece_words, int16)  # first kept position of this word's sentence
        seg_hi = cuda.shared.array(piece_words, int16)  # one past its last kept position
        a = cuda.shared.array((max_ctx, dim_pad), float32)
        b = cuda.shared.array((k1, dim_pad), float32)
        g = cuda.shared.array(n_pairs_max, float32)
        targets = cuda.shared.array(k1, int32)  # centre, then noise words; -1 = skipped (equal to centre)
        partial = cuda.shared.array(threads, float64)
        n_kept = cuda.shared.array(1, int32)

        tid = cuda.threadIdx.x
        piece = first_piece + cuda.blockIdx.x
        if piece >= last_piece:
            return  # the whole block: no barrier is left waiting
        start = starts[piece]
        n_raw = int32(stops[piece] - start)
        key = piece_key(seed, epoch, piece)
        lr = learning_rate(lr_start, lr_end, words_done + start, total_words)

        # Subsampling, in parallel: one draw per raw word.
        for i in range(tid, n_raw, threads):
            word = ids[start + i]
            p = keep_prob[word]
            if p < 1.0 and uniform(random_bits(key, uint64(i) * uint64(stride))) >= p:
                kept[i] = -1
            else:
                kept[i] = word
        cuda.syncthreads()
        # Compaction and sentence segments, by one thread (O(words), small next to the training).
        if tid == 0:
            n = 0
            seg_begin = 0
            s = first_sentence[piece]
            sentence_end = offsets[s + 1]
            for i in range(n_raw):
                if start + i >= sentence_end:
                    for q in range(seg_begin, n):
                        seg_hi[q] = n
                    seg_begin = n
                    while offsets[s + 1] <= start + i:
                        s += 1
                    sentence_end = offsets[s + 1]
                word = kept[i]
                if word >= 0:
                    kept[n] = word
                    seg_lo[n] = seg_begin
                    n += 1
            for q in range(seg_begin, n):
                seg_hi[q] = n
            n_kept[0] = n
        cuda.syncthreads()
        n = n_kept[0]

        loss = float64(0.0)
        n_predictions = int64(0)
        for pos in range(n):
            base = uint64(pos) * uint64(stride)
            reach = window
            if shrink:
                reach = 1 + below(random_bits(key, base + uint64(1)), window)
            lo = max(int32(seg_lo[pos]), pos - reach)
            hi = min(int32(seg_hi[pos]), pos + reach + 1)
            m = hi - lo - 1
            if m <= 0:
                continue  # the same for every thread of the block: no barrier is skipped by only some
            centre = kept[pos]
            for t in range(tid, k1, threads):
                if t == 0:
                    targets[0] = centre
                else:
                    noise = alias_draw(random_bits(key, base + uint64(1 + t)), alias_prob, alias_index)
                    targets[t] = noise if noise != centre else -1
            for j in range(m):
                ctx = lo + j if lo + j < pos else lo + j + 1
                row = kept[ctx]
                for d in range(tid, dim, threads):
                    a[j, d] = w_in[row, d]
            cuda.syncthreads()
            for t in range(k1):
                target = targets[t]
                if target >= 0:
                    for d in range(tid, dim, threads):
                        b[t, d] = w_out[target, d]
            cuda.syncthreads()
            for q in range(tid, m * k1, threads):
                j = q // k1
                t = q - j * k1
                if targets[t] < 0:
                    g[q] = 0.0
                    continue
                f = float32(0.0)
                for d in range(dim):
                    f += a[j, d] * b[t, d]
                if t == 0:
                    g[q] = (float32(1.0) - sigmoid(f)) * lr
                    loss += softplus(-f)
                else:
                    g[q] = -sigmoid(f) * lr
                    loss += softplus(f)
            cuda.syncthreads()
            for j in range(m):
                ctx = lo + j if lo + j < pos else lo + j + 1
                row = kept[ctx]
                for d in range(tid, dim, threads):
                    acc = float32(0.0)
                    for t in range(k1):
                        if targets[t] >= 0:
                            acc += g[j * k1 + t] * b[t, d]
                    cuda.atomic.add(w_in, (row, d), acc)
            for t in range(k1):
                target = targets[t]
                if target >= 0:
                    for d in range(tid, dim, threads):
                        acc = float32(0.0)
                        for j in range(m):
                            acc += g[j * k1 + t] * a[j, d]
                        cuda.atomic.add(w_out, (target, d), acc)
            n_predictions += m
            cuda.syncthreads()  # a, b, g and targets are reused by the next centre

        partial[tid] = loss
        cuda.syncthreads()
        if tid == 0:
            total = float64(0.0)
            for i in range(threads):
                total += partial[i]
            cuda.atomic.add(totals, 0, total)
            cuda.atomic.add(totals, 1, float64(n_predictions))
            cuda.atomic.add(totals, 2, float64(n))

    return cuda.jit(kernel)


KERNEL_SIGNATURE = (
    "void(int32[::1], int64[::1], int64[::1], int64[::1], int64[::1], int64, int64, float32[:, ::1], "
    "float32[:, ::1], float32[::1], float32[::1], int32[::1], int64, float64, float64, int64, int64, "
    "int64, int64, float64[::1])"
)


def check_sizes(dim: int, window: int, negative: int, threads: int, piece_words: int) -> None:
    """Reject sizes the kernel cannot hold (int16 sentence segments, 48 KB of static shared memory)."""
    if piece_words > 32767:
        raise ValueError(f"piece_words must be at most 32767; got {piece_words}")
    shared = shared_bytes(dim, window, negative, threads, piece_words)
    if shared > 48 * 1024:
        raise ValueError(
            f"the kernel would need {shared} bytes of shared memory per block (48 KB at most): "
            f"lower piece_words ({piece_words}), window ({window}), negative ({negative}) or vector_size"
        )


def shared_bytes(dim: int, window: int, negative: int, threads: int, piece_words: int) -> int:
    """Static shared memory per block, in bytes."""
    dim_pad = dim + 1 if dim % 2 == 0 else dim
    k1 = negative + 1
    return int(
        piece_words * (4 + 2 + 2)
        + (2 * window + k1) * dim_pad * 4
        + 2 * window * k1 * 4
        + k1 * 4
        + threads * 8
        + 4
    )
