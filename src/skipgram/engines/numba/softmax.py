"""Full-softmax skip-gram: the exact objective of the seed notes, for small vocabularies and teaching.

For a (centre, context) pair the centre word's row of W is h = xW, the scores over the whole vocabulary
are z = hW'ᵀ, ŷ = softmax(z), and the loss is the cross-entropy L = -Σ_i y_i log ŷ_i = -log ŷ_context.
Its gradients are dL/dz = ŷ - y, dL/dW'[i] = (ŷ_i - y_i)·h and dL/dh = (ŷ - y)W'. Unlike the numba
kernels (where a context word's row predicts the centre), here the CENTRE word's row predicts the
context, exactly as written in the notes.

Cost: every pair touches all of W' — about 6·V·D floating-point operations (three products of size
V×D: the scores, dW' and dh) plus a few passes over V scores for the softmax — against about
2·(k+1)·D for negative sampling. That is fine for V of a few thousand and hopeless for V = 10⁶;
:func:`softmax_epoch_seconds_estimate` turns this into seconds on the current machine so a model can
refuse a vocabulary that would take hours per epoch.

Pair generation (subsampling, dynamic window, sentence boundaries) runs in numba with the RNG
conventions of ``_kernels.py``; the math runs as minibatches with NumPy's BLAS: for B pairs,
H = W[centres] (B×D), Z = HW'ᵀ (B×V), P = softmax(Z) (stabilised by subtracting each row's max),
G = P - Y, dW' = GᵀH, dH = GW', then W' -= lr·dW' and W[centres] -= lr·dH (summed over the batch,
duplicate centres accumulated). Both gradients are computed from the parameters the batch started with.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from ...errors import ParameterError
from .kernels import seed_state, subsample, window_contexts

__all__ = ["chunk_pairs", "softmax_chunk", "softmax_epoch_seconds_estimate", "softmax_pairs_estimate"]


@njit(cache=True, nogil=True)
def chunk_pairs(
    ids, bounds, keep_prob, window, shrink, seed, epoch, chunk, sentence_buffer, out_centres, out_contexts
):
    """Write the chunk's (centre, context) pairs into ``out_centres``/``out_contexts``.

    Subsampling, then for every kept word a reduced window (uniform in [1, window] when ``shrink``)
    inside its own sentence; with ``shrink=False`` and nothing subsampled the pairs are the seed notes'
    D_i = {(w_t, w_c): |c - t| <= window, c != t, same sentence}, centre-major. The output arrays need
    ``2 * window * len(ids)`` entries. Returns ``(n_pairs, n_effective_words)``.
    """
    state = seed_state(seed, epoch, chunk)
    contexts = np.empty(2 * window, np.int64)
    n_pairs = 0
    n_effective = 0
    for s in range(bounds.shape[0] - 1):
        length = subsample(ids, bounds[s], bounds[s + 1], keep_prob, state, sentence_buffer)
        n_effective += length
        for pos in range(length):
            m = window_contexts(sentence_buffer, length, pos, window, shrink, state, contexts)
            centre = sentence_buffer[pos]
            for j in range(m):
                out_centres[n_pairs] = centre
                out_contexts[n_pairs] = contexts[j]
                n_pairs += 1
    return n_pairs, n_effective


@njit(cache=True, nogil=True)
def _scatter_sub(w_in, rows, grad, lr):
    """w_in[rows[b]] -= lr * grad[b] for every b, duplicates accumulated (np.add.at, ~10x faster)."""
    dim = w_in.shape[1]
    for b in range(rows.shape[0]):
        r = rows[b]
        for d in range(dim):
            w_in[r, d] -= lr * grad[b, d]


def shuffle_generator(seed: int, epoch: int, chunk: int) -> np.random.Generator:
    """The generator that shuffles a chunk's pairs: NumPy's PCG64 seeded with ``(seed, epoch, chunk)``."""
    return np.random.default_rng((int(seed), int(epoch), int(chunk)))


def softmax_chunk(
    ids, bounds, w_in, w_out, keep_prob, window, shrink, lr_start, lr_end, seed, epoch, chunk,
    batch_size, sentence_buffer,
):  # fmt: skip
    """Train full-softmax skip-gram on one chunk; returns ``(loss_sum, n_pairs, n_effective_words)``.

    The chunk's pairs (:func:`chunk_pairs`) are shuffled with :func:`shuffle_generator` and trained in
    minibatches of ``batch_size`` pairs; the learning rate of a batch starting at pair ``i`` of ``n`` is
    ``lr_start + (lr_end - lr_start) · i / n``. ``loss_sum`` is the float64 sum of -log ŷ_context over
    the pairs, each computed with the parameters its batch started from.
    """
    if batch_size < 1:
        raise ParameterError(f"batch_size must be >= 1; got {batch_size}.")
    capacity = 2 * window * ids.shape[0]
    centres = np.empty(capacity, np.int32)
    contexts = np.empty(capacity, np.int32)
    n_pairs, n_effective = chunk_pairs(
        ids, bounds, keep_prob, window, shrink, seed, epoch, chunk, sentence_buffer, centres, contexts
    )
    if n_pairs == 0:
        return 0.0, 0, n_effective
    order = shuffle_generator(seed, epoch, chunk).permutation(n_pairs)
    centres = centres[order]
    contexts = contexts[order]
    loss = 0.0
    for start in range(0, n_pairs, batch_size):
        c = centres[start : start + batch_size]
        o = contexts[start : start + batch_size]
        rows = np.arange(c.shape[0])
        lr = np.float32(lr_start + (lr_end - lr_start) * start / n_pairs)
        h = w_in[c]  # B×D (a copy)
        z = h @ w_out.T  # B×V scores
        z -= z.max(axis=1, keepdims=True)  # log-sum-exp shift: every exp is <= 1
        z_target = z[rows, o].astype(np.float64)
        np.exp(z, out=z)
        total = z.sum(axis=1, dtype=np.float64)
        loss += float(np.sum(np.log(total) - z_target))  # -log ŷ_o = log Σ exp(z) - z_o
        z /= total.astype(np.float32)[:, None]  # P
        z[rows, o] -= 1.0  # G = P - Y
        grad_h = z @ w_out  # B×D, from the W' the batch started with
        h *= lr
        w_out -= z.T @ h  # W' -= lr·GᵀH
        _scatter_sub(w_in, c, grad_h, lr)  # W[c] -= lr·dH
    return loss, n_pairs, n_effective


# ---------------------------------------------------------------------------------------------------
# Cost model.

_RATES: dict[str, float] = {}


def _measure_rates() -> dict[str, float]:
    """This machine's float32 matmul FLOP/s and seconds per score for the softmax's elementwise passes.

    Measured once per process on shapes like the kernel's (B=256, D=100, V=4096; ~0.1 s), then cached.
    """
    if _RATES:
        return _RATES
    rng = np.random.default_rng(0)
    b, d, v = 256, 100, 4096
    h = rng.standard_normal((b, d), dtype=np.float32)
    w = rng.standard_normal((v, d), dtype=np.float32) * np.float32(0.1)

    def typical(fn, repeats=7):
        fn()  # warm-up (allocations, BLAS threads)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return float(np.median(times))  # the median: a shared machine's load is part of the real cost

    t_mm = typical(lambda: h @ w.T)
    z0 = h @ w.T

    def elementwise():
        z = z0.copy()
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        total = z.sum(axis=1, dtype=np.float64)
        z /= total.astype(np.float32)[:, None]

    t_el = typical(elementwise)
    t_upd = typical(lambda: np.subtract(w, w, out=w.copy()))
    _RATES.update(
        flops_per_s=2.0 * b * d * v / t_mm,
        seconds_per_score=t_el / (b * v),
        seconds_per_weight=t_upd / (v * d),
    )
    return _RATES


def softmax_pairs_estimate(setup) -> int:
    """Expected (centre, context) pairs per epoch: kept words times the mean window (both sides)."""
    effective = float(np.dot(setup.counts, setup.keep_prob))
    return int(effective * (setup.window + 1 if setup.shrink_windows else 2 * setup.window))


def softmax_epoch_seconds_estimate(n_pairs: int, vocab_size: int, dim: int, batch_size: int = 1024) -> float:
    """Estimated seconds for one epoch of :func:`softmax_chunk` over ``n_pairs`` pairs on this machine.

    The model: each pair costs ``6·V·D`` flops in three matrix products (Z = HW'ᵀ, dW' = GᵀH, dH = GW')
    and a few elementwise passes over its V scores (max, exp, sum, divide); each batch also rewrites all
    of W' (V·D). Rates are measured once per process (:func:`_measure_rates`). Pair generation and the
    gather/scatter of W rows are O(D) per pair and ignored. Expect the estimate within a factor of ~2.
    """
    rates = _measure_rates()
    n_pairs, v, d = float(n_pairs), float(vocab_size), float(dim)
    n_batches = np.ceil(n_pairs / max(1, batch_size))
    return float(
        n_pairs * 6.0 * v * d / rates["flops_per_s"]
        + n_pairs * v * rates["seconds_per_score"]
        + n_batches * 2.0 * v * d * rates["seconds_per_weight"]
    )
