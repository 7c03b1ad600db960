"""Tests for skipgram.sampling: subsampling probabilities, noise distribution, alias tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from skipgram.errors import ParameterError
from skipgram.sampling import alias_table, keep_probabilities, noise_probabilities


def reconstruct(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The exact distribution an alias table draws from: own column mass plus aliased mass."""
    prob = prob.astype(np.float64)
    mass = prob.copy()
    np.add.at(mass, alias, 1.0 - prob)
    return mass / len(prob)


def test_keep_probabilities_match_the_c_expression():
    counts = np.array([5_000_000, 120_000, 3_000, 40, 5, 1], dtype=np.int64)
    sample = 1e-3
    train_words = int(counts.sum())
    # word2vec.c: ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn
    expected = []
    for cn in counts.tolist():
        ran = (math.sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn
        expected.append(min(ran, 1.0))
    got = keep_probabilities(counts, sample)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert got[0] < 0.05 and got[-1] == 1.0


def test_keep_probabilities_all_ones_without_subsampling():
    got = keep_probabilities(np.array([10**9, 1, 0]), 0.0)
    assert got.dtype == np.float32
    assert got.tolist() == [1.0, 1.0, 1.0]


def test_keep_probabilities_zero_count_is_one():
    assert keep_probabilities(np.array([100, 0]), 1e-3)[1] == 1.0


@pytest.mark.parametrize("sample", [-1e-3, float("nan"), "1e-3", True])
def test_keep_probabilities_rejects_bad_sample(sample):
    with pytest.raises(ParameterError, match="'sample' parameter"):
        keep_probabilities(np.array([1, 2]), sample)


def test_noise_probabilities_are_normalised_powers():
    counts = np.array([81, 16, 1, 0])
    got = noise_probabilities(counts, 0.75)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, np.array([27, 8, 1, 0]) / 36)
    np.testing.assert_allclose(noise_probabilities(counts, 0.0), [1 / 3, 1 / 3, 1 / 3, 0])


def test_noise_probabilities_need_a_positive_count():
    with pytest.raises(ParameterError, match="positive count"):
        noise_probabilities(np.zeros(3), 0.75)


@pytest.mark.parametrize(
    "weights",
    [
        [1.0],
        [1.0, 1.0, 1.0, 1.0],
        [0.5, 0.25, 0.25],
        [0.0, 0.0, 3.0, 0.0],
        [1e-12, 1.0, 1e-9, 5.0],
        list(1.0 / np.arange(1, 5001) ** 1.1),  # Zipf: a few large columns feed thousands of small
        list(np.random.default_rng(3).random(997) ** 6),
        list(np.r_[np.ones(50), 1000.0, np.ones(50), 2000.0]),
    ],
)
def test_alias_table_is_exact(weights):
    p = np.asarray(weights) / np.sum(weights)
    prob, alias = alias_table(np.asarray(weights))
    assert prob.dtype == np.float32 and alias.dtype == np.int32
    assert prob.shape == alias.shape == p.shape
    assert prob.min() >= 0 and prob.max() <= 1
    assert alias.min() >= 0 and alias.max() < len(p)
    np.testing.assert_allclose(reconstruct(prob, alias), p, atol=1e-6, rtol=0)


def test_alias_table_is_exact_for_many_random_distributions():
    rng = np.random.default_rng(0)
    for _ in range(200):
        size = int(rng.integers(1, 300))
        w = rng.random(size) ** rng.integers(1, 10)
        w[rng.random(size) < 0.2] = 0
        w[0] += 1e-3
        prob, alias = alias_table(w)
        np.testing.assert_allclose(reconstruct(prob, alias), w / w.sum(), atol=1e-6, rtol=0)


def test_alias_table_draws_follow_the_distribution():
    counts = np.array([500, 200, 120, 80, 40, 30, 15, 9, 4, 2], dtype=np.int64)
    p = noise_probabilities(counts, 0.75)
    prob, alias = alias_table(p)
    rng = np.random.default_rng(12345)
    n = 400_000
    column = rng.integers(0, len(p), n)
    draws = np.where(rng.random(n) < prob[column], column, alias[column])
    observed = np.bincount(draws, minlength=len(p))
    expected = p * n
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    # 9 degrees of freedom: P(chi2 > 27.9) = 0.001; a wrong table gives chi2 in the thousands.
    assert chi2 < 27.9, chi2


@pytest.mark.parametrize(
    "weights, message",
    [
        ([], "non-empty"),
        ([[0.5, 0.5]], "1-D"),
        ([0.0, 0.0], "positive sum"),
        ([1, -1, 2], "non-negative"),
    ],
)
def test_alias_table_rejects_bad_input(weights, message):
    with pytest.raises(ParameterError, match=message):
        alias_table(np.asarray(weights, dtype=np.float64))
