"""Numba kernels for hierarchical softmax (skip-gram and CBOW): arrays and scalars only.

Same conventions as ``_kernels.py`` (its docstring defines ``ids``, ``bounds``, ``lr_start``/``lr_end``,
``g``, the RNG and the return value), with one difference: ``w_out`` has ``V - 1`` rows, one per inner node
of the Huffman tree (``huffman.build_huffman``), and the noise words are replaced by the centre word's path:

    P(centre | h) = Π_k σ(s_k · h·W'[points[centre, k]]),   s_k = 1 - 2·codes[centre, k]

so a prediction's loss is Σ_k -log σ(s_k f_k) with f_k = h·W'[node_k], i.e. one logistic prediction per
path node with label ``1 - code`` (the C tool's convention). Outside ±MAX_EXP the gradient is clamped like
the negative-sampling kernels (the C tool skips such nodes in hierarchical softmax; clamping keeps the
two objectives on one rule and changes nothing once the model is trained, where |f| is rarely that large).

The only randomness is subsampling and the dynamic window, drawn in the same order as the other kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .kernels import (
    add_to_rows,
    context_mean,
    negative_update,
    seed_state,
    subsample,
    window_contexts,
)


@njit(inline="always")
def _predict_path(h, grad_h, word, codes, points, lengths, lr, w_out, dim):
    """Predict ``word`` from ``h`` along its Huffman path; update W' rows, accumulate grad_h; return loss."""
    loss = 0.0
    for k in range(lengths[word]):
        label = np.float32(1.0) - np.float32(codes[word, k])
        loss += negative_update(h, grad_h, points[word, k], label, lr, w_out, dim)
    return loss


@njit(cache=True, nogil=True, fastmath=True)
def skipgram_hierarchical_chunk(
    ids, bounds, w_in, w_out, keep_prob, codes, points, lengths,
    window, shrink, lr_start, lr_end, seed, epoch, chunk, sentence_buffer,
):  # fmt: skip
    """Train skip-gram with hierarchical softmax on one chunk, pair by pair.

    For each (centre c, context o) pair, h = W[o] predicts c through c's path: W'[node] is updated at
    each node as the prediction is made (the C tool's order), W[o] once at the end of the pair.
    ``n_predictions`` counts pairs; ``loss_sum`` sums their path losses.
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
                loss += _predict_path(h, grad_h, centre, codes, points, lengths, lr, w_out, dim)
                for d in range(dim):
                    h[d] += grad_h[d]
            n_predictions += m
    return loss, n_predictions, n_effective


@njit(cache=True, nogil=True, fastmath=True)
def cbow_hierarchical_chunk(
    ids, bounds, w_in, w_out, keep_prob, codes, points, lengths,
    window, shrink, lr_start, lr_end, seed, epoch, chunk, sentence_buffer,
):  # fmt: skip
    """Train CBOW with hierarchical softmax on one chunk.

    h is the mean of the context words' rows of W; it predicts the centre word through its path, and
    every context row then receives the whole gradient of h (the C tool's rule, as in
    ``cbow_negative_chunk``). One prediction per centre word that has at least one context word.
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
            loss += _predict_path(mean, grad_h, centre, codes, points, lengths, lr, w_out, dim)
            add_to_rows(w_in, contexts, m, grad_h)
            n_predictions += 1
    return loss, n_predictions, n_effective
