"""Numba kernels for negative sampling (skip-gram and CBOW): arrays and scalars only, no Python objects.

Notation (used in every kernel here):

- ``w_in``  float32[V, D]: W, the input ("centre") vectors; ``w_out`` float32[V, D]: W', the output vectors.
- ``ids`` int32[n]: one chunk of the encoded corpus; ``bounds`` int64[s + 1]: sentence starts within
  ``ids`` (local offsets, ``bounds[0] = 0``, ``bounds[-1] = n``).
- ``lr_start``/``lr_end``: the learning rate at the first and last word of the chunk; the rate decays
  linearly inside the chunk so that the schedule is smooth whatever the chunk size.
- ``g`` is the gradient of the log-likelihood with respect to a score ``f = h · v``, multiplied by the
  learning rate: ``g = (label - sigmoid(f)) * lr`` (the C tool's comment, kept because it is the key).

Skip-gram direction: like the C tool and gensim, a context word's row of W predicts the centre word's
row of W'. The seed notes write the mirror image (h = xW for the centre, z = hW'ᵀ over the contexts); over
a corpus the two see the same pairs, since every pair occurs in both orders, and this one lets a whole
window share one set of noise words and run as small dense products.

Every kernel returns ``(loss_sum, n_predictions, n_effective_words)``: the summed negative log-likelihood
(float64), the number of predictions it is summed over, and how many words survived subsampling.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Sigmoid and log-sigmoid are read from tables over [-MAX_EXP, MAX_EXP], as in the C tool, but finer (its
# 1000 entries over [-6, 6] make the reported loss visibly coarse); outside the range the gradient
# saturates (it is clamped, not skipped, as in the C tool) and the loss is computed exactly.
MAX_EXP = 8.0
TABLE_SIZE = 4096
_GRID = np.linspace(-MAX_EXP, MAX_EXP, TABLE_SIZE + 1)
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-_GRID))).astype(np.float32)
LOG_SIGMOID_TABLE = (-np.logaddexp(0.0, -_GRID)).astype(np.float32)
_TABLE_SCALE = TABLE_SIZE / (2.0 * MAX_EXP)


@njit(inline="always")
def _table_index(f):
    return int((f + MAX_EXP) * _TABLE_SCALE + 0.5)


@njit(inline="always")
def log_sigmoid(f):
    """log(sigmoid(f)) for any f: interpolated table inside the range (error < 1e-6, so the reported
    loss is exact to the digits shown), exact asymptote outside."""
    if f >= MAX_EXP:
        return -math.log1p(math.exp(-f))
    if f <= -MAX_EXP:
        return f - math.log1p(math.exp(f))
    x = (f + MAX_EXP) * _TABLE_SCALE
    i = int(x)
    return LOG_SIGMOID_TABLE[i] + (x - i) * (LOG_SIGMOID_TABLE[i + 1] - LOG_SIGMOID_TABLE[i])


@njit(inline="always")
def sigmoid(f):
    if f >= MAX_EXP:
        return 1.0
    if f <= -MAX_EXP:
        return 0.0
    return SIGMOID_TABLE[_table_index(f)]


# ---------------------------------------------------------------------------------------------------
# Random numbers: xorshift64* (Vigna 2016) — a few instructions, good enough statistics for sampling, and
# a state that is a single uint64 per chunk, so a chunk's randomness depends only on its seed.


@njit(inline="always")
def next_random(state):
    """Advance ``state`` (uint64[1]) and return 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(0x2545F4914F6CDD1D)


@njit(inline="always")
def random_float(state):
    """Uniform float in [0, 1) from the top 24 bits."""
    return np.float32(next_random(state) >> np.uint64(40)) * np.float32(1.0 / 16777216.0)


@njit(inline="always")
def random_below(state, n):
    """Uniform int in [0, n) (multiply-shift on the top 32 bits; bias < n / 2**32)."""
    return np.int64(((next_random(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(inline="always")
def draw_noise(state, alias_prob, alias_index):
    """One word from the noise distribution with Vose's alias method: O(1), two arrays of V."""
    i = random_below(state, alias_prob.shape[0])
    if random_float(state) < alias_prob[i]:
        return i
    return np.int64(alias_index[i])


@njit(cache=True)
def seed_state(seed, epoch, chunk):
    """A non-zero xorshift state derived from (seed, epoch, chunk) by splitmix64 mixing."""
    z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
    z ^= np.uint64(epoch + 1) * np.uint64(0xBF58476D1CE4E5B9)
    z ^= np.uint64(chunk + 1) * np.uint64(0x94D049BB133111EB)
    for _ in range(2):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    state = np.empty(1, dtype=np.uint64)
    state[0] = z if z != 0 else np.uint64(0x853C49E6748FEA9B)
    return state


# ---------------------------------------------------------------------------------------------------
# Shared steps of every chunk kernel.


@njit(inline="always")
def subsample(ids, start, stop, keep_prob, state, out):
    """Copy the words of ids[start:stop] that survive subsampling into ``out``; return how many."""
    n = 0
    for i in range(start, stop):
        word = ids[i]
        if keep_prob[word] < 1.0 and random_float(state) >= keep_prob[word]:
            continue
        out[n] = word
        n += 1
    return n


@njit(inline="always")
def reduced_window(window, shrink, state):
    """The dynamic window: uniform in [1, window] (the C tool's ``window - rand % window``)."""
    if shrink:
        return 1 + random_below(state, window)
    return window


@njit(inline="always")
def negative_update(h, grad_h, target, label, lr, w_out, dim):
    """One logistic prediction of ``target`` from ``h``; updates W'[target], accumulates grad_h.

    Returns the prediction's negative log-likelihood.
    """
    f = np.float32(0.0)
    for d in range(dim):
        f += h[d] * w_out[target, d]
    g = (label - sigmoid(f)) * lr
    for d in range(dim):
        grad_h[d] += g * w_out[target, d]
        w_out[target, d] += g * h[d]
    return -log_sigmoid(f) if label > 0.5 else -log_sigmoid(-f)


@njit(inline="always")
def window_contexts(sentence, length, pos, window, shrink, state, out):
    """Collect the context words of ``sentence[pos]`` (reduced window, same sentence) into ``out``."""
    b = reduced_window(window, shrink, state)
    m = 0
    for ctx_pos in range(max(0, pos - b), min(length, pos + b + 1)):
        if ctx_pos != pos:
            out[m] = sentence[ctx_pos]
            m += 1
    return m


@njit(inline="always")
def context_mean(w_in, contexts, m, out):
    """``out`` = the mean of rows ``contexts[:m]`` of W (CBOW's hidden vector h)."""
    out[:] = 0.0
    for j in range(m):
        for d in range(out.shape[0]):
            out[d] += w_in[contexts[j], d]
    inv = np.float32(1.0 / m)
    for d in range(out.shape[0]):
        out[d] *= inv


@njit(inline="always")
def add_to_rows(w_in, contexts, m, grad):
    """Add ``grad`` to rows ``contexts[:m]`` of W: each context word gets the whole gradient of h."""
    for j in range(m):
        for d in range(grad.shape[0]):
            w_in[contexts[j], d] += grad[d]


@njit(cache=True, nogil=True, fastmath=True)
def skipgram_negative_chunk(
    ids, bounds, w_in, w_out, keep_prob, alias_prob, alias_index,
    window, negative, shrink, lr_start, lr_end, seed, epoch, chunk, sentence_buffer,
):  # fmt: skip
    """Train skip-gram with negative sampling on one chunk, one window at a time (the default kernel).

    For a centre word c with context words o_1..o_m and k noise words n_1..n_k drawn once for the
    window (Ji et al. 2016, "Parallelizing Word2Vec in Shared and Distributed Memory"), each pair
    (c, o_j) contributes loss_j = -log σ(W[o_j]·W'[c]) - Σ_i log σ(-W[o_j]·W'[n_i]). With
    A = W[o_1..o_m] (m×D) and B = W'[c, n_1..n_k] ((k+1)×D) the window is three small dense products:
    S = A Bᵀ, G = (labels - σ(S))·lr, then W[o] += G B and W'[c, n] += Gᵀ A. Each row is read from memory
    once per window instead of once per pair, which is where the speed comes from; the expected gradient
    is the per-pair one, with noise words shared inside a window. A noise word equal to c is skipped.
    """
    dim = w_in.shape[1]
    state = seed_state(seed, epoch, chunk)
    lr_step = (lr_end - lr_start) / max(1, ids.shape[0])
    contexts = np.empty(2 * window, np.int64)
    targets = np.empty(negative + 1, np.int64)
    a = np.empty((2 * window, dim), np.float32)  # context rows of W
    b = np.empty((negative + 1, dim), np.float32)  # centre + noise rows of W'
    g = np.empty((2 * window, negative + 1), np.float32)
    acc = np.empty(dim, np.float32)
    loss = 0.0
    n_predictions = 0
    n_effective = 0
    for s in range(bounds.shape[0] - 1):
        lr = np.float32(lr_start + lr_step * bounds[s])
        length = subsample(ids, bounds[s], bounds[s + 1], keep_prob, state, sentence_buffer)
        n_effective += length
        for pos in range(length):
            m = window_contexts(sentence_buffer, length, pos, window, shrink, state, contexts)
            if m == 0:
                continue
            centre = sentence_buffer[pos]
            targets[0] = centre
            n_t = 1
            for _ in range(negative):
                noise = draw_noise(state, alias_prob, alias_index)
                if noise != centre:
                    targets[n_t] = noise
                    n_t += 1
            # Copy the rows into small contiguous buffers: loops over them vectorise, and the window's
            # updates are computed from the values it started with (a true minibatch of m pairs).
            for j in range(m):
                a[j, :] = w_in[contexts[j]]
            for t in range(n_t):
                b[t, :] = w_out[targets[t]]
            for j in range(m):
                for t in range(n_t):
                    f = np.float32(0.0)
                    for d in range(dim):
                        f += a[j, d] * b[t, d]
                    if t == 0:
                        g[j, t] = (np.float32(1.0) - sigmoid(f)) * lr
                        loss -= log_sigmoid(f)
                    else:
                        g[j, t] = -sigmoid(f) * lr
                        loss -= log_sigmoid(-f)
            for j in range(m):
                acc[:] = 0.0
                for t in range(n_t):
                    for d in range(dim):
                        acc[d] += g[j, t] * b[t, d]
                row = w_in[contexts[j]]
                for d in range(dim):
                    row[d] += acc[d]
            for t in range(n_t):
                acc[:] = 0.0
                for j in range(m):
                    for d in range(dim):
                        acc[d] += g[j, t] * a[j, d]
                row = w_out[targets[t]]
                for d in range(dim):
                    row[d] += acc[d]
            n_predictions += m
    return loss, n_predictions, n_effective


@njit(cache=True, nogil=True, fastmath=True)
def skipgram_negative_pairs_chunk(
    ids, bounds, w_in, w_out, keep_prob, alias_prob, alias_index,
    window, negative, shrink, lr_start, lr_end, seed, epoch, chunk, sentence_buffer,
):  # fmt: skip
    """Train skip-gram with negative sampling on one chunk, pair by pair (the C tool's update).

    Each pair (c, o) draws its own k noise words: h = W[o] predicts W'[c] (label 1) and W'[n_i]
    (label 0); W' rows are updated as each prediction is made, W[o] once per pair. Slower than
    :func:`skipgram_negative_chunk` (every row is fetched once per pair); kept as the reference
    behaviour and for users who want independent noise words per pair.
    """
    dim = w_in.shape[1]
    state = seed_state(seed, epoch, chunk)
    lr_step = (lr_end - lr_start) / max(1, ids.shape[0])
    contexts = np.empty(2 * window, np.int64)
    grad_h = np.empty(dim, np.float32)
    loss = 0.0
    n_predictions = 0
    n_effective = 0
    for s in range(bounds.shape[0] - 1):
        lr = np.float32(lr_start + lr_step * bounds[s])
        length = subsample(ids, bounds[s], bounds[s + 1], keep_prob, state, sentence_buffer)
        n_effective += length
        for pos in range(length):
            m = window_contexts(sentence_buffer, length, pos, window, shrink, state, contexts)
            centre = sentence_buffer[pos]
            for j in range(m):
                h = w_in[contexts[j]]
                grad_h[:] = 0.0
                loss += negative_update(h, grad_h, centre, np.float32(1.0), lr, w_out, dim)
                for _ in range(negative):
                    noise = draw_noise(state, alias_prob, alias_index)
                    if noise == centre:
                        continue
                    loss += negative_update(h, grad_h, noise, np.float32(0.0), lr, w_out, dim)
                for d in range(dim):
                    h[d] += grad_h[d]
            n_predictions += m
    return loss, n_predictions, n_effective


@njit(cache=True, nogil=True, fastmath=True)
def cbow_negative_chunk(
    ids, bounds, w_in, w_out, keep_prob, alias_prob, alias_index,
    window, negative, shrink, lr_start, lr_end, seed, epoch, chunk, sentence_buffer,
):  # fmt: skip
    """Train CBOW with negative sampling on one chunk.

    h is the mean of the context words' rows of W; it predicts the centre word's row of W' (label 1) and
    k noise rows (label 0); every context row of W then receives the whole gradient of h (the C tool's
    ``cbow_mean`` rule). One prediction per centre word.
    """
    dim = w_in.shape[1]
    state = seed_state(seed, epoch, chunk)
    lr_step = (lr_end - lr_start) / max(1, ids.shape[0])
    contexts = np.empty(2 * window, np.int64)
    grad_h = np.empty(dim, np.float32)
    mean = np.empty(dim, np.float32)
    loss = 0.0
    n_predictions = 0
    n_effective = 0
    for s in range(bounds.shape[0] - 1):
        lr = np.float32(lr_start + lr_step * bounds[s])
        length = subsample(ids, bounds[s], bounds[s + 1], keep_prob, state, sentence_buffer)
        n_effective += length
        for pos in range(length):
            m = window_contexts(sentence_buffer, length, pos, window, shrink, state, contexts)
            if m == 0:
                continue
            centre = sentence_buffer[pos]
            context_mean(w_in, contexts, m, mean)
            grad_h[:] = 0.0
            loss += negative_update(mean, grad_h, centre, np.float32(1.0), lr, w_out, dim)
            for _ in range(negative):
                noise = draw_noise(state, alias_prob, alias_index)
                if noise == centre:
                    continue
                loss += negative_update(mean, grad_h, noise, np.float32(0.0), lr, w_out, dim)
            add_to_rows(w_in, contexts, m, grad_h)
            n_predictions += 1
    return loss, n_predictions, n_effective
