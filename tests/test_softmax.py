"""Tests for full-softmax skip-gram (_softmax.py) beyond the reference comparison in test_kernels.py."""

from __future__ import annotations

import time

import numpy as np
import pytest

from skipgram.engines.numba import softmax as _softmax
from skipgram.engines.numba.softmax import chunk_pairs, softmax_chunk, softmax_epoch_seconds_estimate
from skipgram.errors import ParameterError


def topic_corpus(n_sentences=400, length=8, seed=0):
    """20 words in 4 topics of 5; each sentence draws its words from one topic."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, 4, n_sentences)
    ids = (topics[:, None] * 5 + rng.integers(0, 5, (n_sentences, length))).ravel().astype(np.int32)
    return ids, np.arange(0, len(ids) + 1, length, dtype=np.int64)


def train(ids, bounds, w_in, w_out, epochs, *, lr=0.05, batch=16, window=2):
    keep = np.ones(w_in.shape[0], np.float32)
    buffer = np.empty(len(ids), np.int32)
    losses = []
    for epoch in range(epochs):
        loss, n, _ = softmax_chunk(ids, bounds, w_in, w_out, keep, window, True, lr, lr, 1, epoch, 0,
                                   batch, buffer)  # fmt: skip
        losses.append(loss / n)
    return losses


def test_learns_topics():
    """After training, every word's nearest neighbour (cosine on W) is from its own topic."""
    ids, bounds = topic_corpus()
    rng = np.random.default_rng(1)
    w_in = ((rng.random((20, 10)) - 0.5) / 10).astype(np.float32)
    w_out = np.zeros((20, 10), np.float32)
    losses = train(ids, bounds, w_in, w_out, 8)
    assert losses[-1] < np.log(5) + 0.15  # close to the entropy of a topic's 5 equally likely words
    unit = w_in / np.linalg.norm(w_in, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    assert np.all(sims.argmax(axis=1) // 5 == np.arange(20) // 5)


def test_large_scores_stay_finite():
    """Scores of ±1e4 would overflow a naive softmax; the log-sum-exp form stays exact."""
    ids = np.array([0, 1, 2, 3], np.int32)
    bounds = np.array([0, 4], np.int64)
    w_in = np.full((4, 2), 100.0, np.float32)
    w_out = np.array([[100.0, 0], [-100.0, 0], [0, 100.0], [0, -100.0]], np.float32)
    loss, n, _ = softmax_chunk(ids, bounds, w_in, w_out, np.ones(4, np.float32), 1, False, 1e-6, 1e-6,
                               0, 0, 0, 8, np.empty(4, np.int32))  # fmt: skip
    assert n == 6 and np.isfinite(loss) and loss > 1e4
    assert np.all(np.isfinite(w_in)) and np.all(np.isfinite(w_out))


def test_no_pairs():
    """One-word sentences (or everything subsampled away) give no pairs and change nothing."""
    ids = np.array([0, 1, 2], np.int32)
    bounds = np.array([0, 1, 2, 3], np.int64)
    w_in = np.ones((3, 2), np.float32)
    w_out = np.ones((3, 2), np.float32)
    out = softmax_chunk(ids, bounds, w_in, w_out, np.ones(3, np.float32), 2, True, 0.1, 0.1, 0, 0, 0, 4,
                        np.empty(3, np.int32))  # fmt: skip
    assert out == (0.0, 0, 3)
    assert np.all(w_in == 1) and np.all(w_out == 1)
    empty = softmax_chunk(ids[:0], np.array([0], np.int64), w_in, w_out, np.ones(3, np.float32), 2, True,
                          0.1, 0.1, 0, 0, 0, 4, np.empty(0, np.int32))  # fmt: skip
    assert empty == (0.0, 0, 0)


def test_batch_size_validated():
    with pytest.raises(ParameterError, match="batch_size"):
        softmax_chunk(np.zeros(2, np.int32), np.array([0, 2]), np.zeros((1, 2), np.float32),
                      np.zeros((1, 2), np.float32), np.ones(1, np.float32), 1, False, 0.1, 0.1, 0, 0, 0, 0,
                      np.empty(2, np.int32))  # fmt: skip


def test_chunk_pairs_counts_match_returned_length():
    ids, bounds = topic_corpus(50)
    keep = np.full(20, 0.5, np.float32)
    out_c = np.full(2 * 3 * len(ids), -1, np.int32)
    out_o = out_c.copy()
    n_pairs, n_eff = chunk_pairs(ids, bounds, keep, 3, True, 0, 0, 0, np.empty(len(ids), np.int32),
                                 out_c, out_o)  # fmt: skip
    assert 0 < n_eff < len(ids)
    assert np.all(out_c[:n_pairs] >= 0) and np.all(out_c[n_pairs:] == -1)
    assert n_pairs <= 2 * 3 * n_eff


def test_batches_see_their_start_parameters():
    """A batch holding a pair twice moves the parameters exactly twice as far as a batch holding it once."""
    ids = np.array([0, 1], np.int32)
    rng = np.random.default_rng(0)
    w_in = rng.standard_normal((3, 4)).astype(np.float32)
    w_out = rng.standard_normal((3, 4)).astype(np.float32)
    keep = np.ones(3, np.float32)
    once_in, once_out = w_in.copy(), w_out.copy()
    softmax_chunk(ids, np.array([0, 2]), once_in, once_out, keep, 1, False, 0.01, 0.01, 0, 0, 0, 4,
                  np.empty(4, np.int32))  # fmt: skip
    twice_in, twice_out = w_in.copy(), w_out.copy()
    softmax_chunk(np.tile(ids, 2), np.array([0, 2, 4]), twice_in, twice_out, keep, 1, False, 0.01, 0.01,
                  0, 0, 0, 4, np.empty(4, np.int32))  # fmt: skip
    np.testing.assert_allclose(twice_in - w_in, 2 * (once_in - w_in), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(twice_out - w_out, 2 * (once_out - w_out), rtol=1e-4, atol=1e-6)


def test_cost_model_shape():
    """O(V·D) per pair: doubling V or D about doubles the estimate; it is linear in the pairs."""
    base = softmax_epoch_seconds_estimate(1_000_000, 10_000, 100)
    assert base > 0
    assert 1.6 < softmax_epoch_seconds_estimate(1_000_000, 20_000, 100) / base < 2.05
    assert 1.3 < softmax_epoch_seconds_estimate(1_000_000, 10_000, 200) / base < 2.05
    assert softmax_epoch_seconds_estimate(2_000_000, 10_000, 100) / base == pytest.approx(2.0, rel=1e-3)
    # A 1M-word vocabulary at D = 300 over 100M pairs: days, not minutes, on any CPU.
    assert softmax_epoch_seconds_estimate(100_000_000, 1_000_000, 300) > 24 * 3600


def test_cost_model_cached():
    softmax_epoch_seconds_estimate(10, 10, 10)
    rates = dict(_softmax._RATES)
    start = time.perf_counter()
    softmax_epoch_seconds_estimate(10, 100, 10)
    assert time.perf_counter() - start < 0.01
    assert _softmax._RATES == rates


def test_cost_model_order_of_magnitude():
    """The estimate is within an order of magnitude of a real run (a shared machine's load varies)."""
    rng = np.random.default_rng(0)
    v, d, n = 2000, 64, 3000
    ids = rng.integers(0, v, n).astype(np.int32)
    bounds = np.arange(0, n + 1, 30, dtype=np.int64)
    w_in = (rng.standard_normal((v, d)) * 0.01).astype(np.float32)
    w_out = np.zeros((v, d), np.float32)
    keep = np.ones(v, np.float32)
    buffer = np.empty(n, np.int32)
    softmax_chunk(ids[:30], bounds[:2], w_in, w_out, keep, 2, True, 0.01, 0.01, 0, 0, 0, 256, buffer)
    start = time.perf_counter()
    _, n_pairs, _ = softmax_chunk(ids, bounds, w_in, w_out, keep, 2, True, 0.01, 0.01, 0, 1, 0, 256, buffer)
    elapsed = time.perf_counter() - start
    estimate = softmax_epoch_seconds_estimate(n_pairs, v, d, 256)
    assert elapsed / 10 < estimate < elapsed * 10
