"""Independent checks of every training kernel against plain NumPy/Python references.

Kernels: ``_kernels.py`` (negative sampling: window-batched skip-gram, per-pair skip-gram, CBOW),
``_kernels_hs.py`` (hierarchical softmax: skip-gram, CBOW) and ``_softmax.py`` (full softmax).

The references below share no code with the kernels except the sigmoid/log-sigmoid *tables* (which
``test_tables_*`` checks against the exact functions): the xorshift64* stream, the splitmix seeding,
subsampling, the dynamic window and the alias draws are re-implemented with Python integers, so a
kernel and its reference consume the same random numbers and must agree to float32 rounding.
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from skipgram.engines.numba import kernels as K
from skipgram.engines.numba.kernels import (
    cbow_negative_chunk,
    skipgram_negative_chunk,
    skipgram_negative_pairs_chunk,
)
from skipgram.engines.numba.kernels_hs import cbow_hierarchical_chunk, skipgram_hierarchical_chunk
from skipgram.engines.numba.softmax import chunk_pairs, softmax_chunk
from skipgram.huffman import build_huffman
from skipgram.sampling import alias_table, noise_probabilities

NO_JIT = os.environ.get("NUMBA_DISABLE_JIT", "0") == "1"

# ---------------------------------------------------------------------------------------------------
# Reference random stream: xorshift64* seeded by splitmix64 mixing of (seed, epoch, chunk), with Python ints.

M64 = (1 << 64) - 1


class RefRNG:
    def __init__(self, seed, epoch, chunk):
        z = (seed * 0x9E3779B97F4A7C15) & M64
        z ^= ((epoch + 1) * 0xBF58476D1CE4E5B9) & M64
        z ^= ((chunk + 1) * 0x94D049BB133111EB) & M64
        for _ in range(2):
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            z ^= z >> 31
        self.x = z if z != 0 else 0x853C49E6748FEA9B

    def bits(self):
        x = self.x
        x ^= x >> 12
        x ^= (x << 25) & M64
        x ^= x >> 27
        self.x = x
        return (x * 0x2545F4914F6CDD1D) & M64

    def uniform(self):  # top 24 bits: exact in float32 and in float64
        return (self.bits() >> 40) / 16777216.0

    def below(self, n):
        return ((self.bits() >> 32) * n) >> 32

    def noise(self, alias_prob, alias_index):
        i = self.below(len(alias_prob))
        return i if self.uniform() < float(alias_prob[i]) else int(alias_index[i])


def ref_sigmoid(f):
    if f >= K.MAX_EXP:
        return 1.0
    if f <= -K.MAX_EXP:
        return 0.0
    return float(K.SIGMOID_TABLE[int((f + K.MAX_EXP) * K.TABLE_SIZE / (2 * K.MAX_EXP) + 0.5)])


def ref_log_sigmoid(f):
    """log σ(f), exactly: the kernels interpolate their table to well within the tests' tolerance."""
    return -float(np.logaddexp(0.0, -f))


def ref_windows(ids, bounds, keep_prob, window, shrink, rng, lr_start, lr_end):
    """Yield (lr, sentence, pos, contexts) in the kernels' order, consuming ``rng`` like them.

    The caller draws its own random numbers (noise words) between yields, exactly where the kernel does.
    """
    lr_step = (lr_end - lr_start) / max(1, len(ids))
    for s in range(len(bounds) - 1):
        lr = float(np.float32(lr_start + lr_step * bounds[s]))
        sentence = []
        for w in ids[bounds[s] : bounds[s + 1]]:
            p = float(keep_prob[w])
            if p < 1.0 and rng.uniform() >= p:
                continue
            sentence.append(int(w))
        yield lr, sentence, None, None  # marks a new sentence (for n_effective)
        for pos in range(len(sentence)):
            b = 1 + rng.below(window) if shrink else window
            ctx = [sentence[c] for c in range(max(0, pos - b), min(len(sentence), pos + b + 1)) if c != pos]
            yield lr, sentence, pos, ctx


def ref_logistic(h, grad_h, row, label, lr, w_out):
    """One logistic prediction, float64, sequential update of W'[row] (the C tool's inner step)."""
    f = float(h @ w_out[row])
    g = (label - ref_sigmoid(f)) * lr
    grad_h += g * w_out[row]
    w_out[row] += g * h
    return -ref_log_sigmoid(f) if label > 0.5 else -ref_log_sigmoid(-f)


# ---------------------------------------------------------------------------------------------------
# Reference kernels (float64 copies of the parameters, updated in place; return loss, n_pred, n_eff).


def ref_sg_negative_window(ids, bounds, w_in, w_out, keep, aprob, aidx, window, k, shrink, lr0, lr1, rng):
    loss, n_pred, n_eff = 0.0, 0, 0
    for lr, sent, pos, ctx in ref_windows(ids, bounds, keep, window, shrink, rng, lr0, lr1):
        if pos is None:
            n_eff += len(sent)
            continue
        if not ctx:
            continue
        centre = sent[pos]
        targets = [centre] + [n for n in (rng.noise(aprob, aidx) for _ in range(k)) if n != centre]
        a = w_in[ctx].copy()
        b = w_out[targets].copy()
        scores = a @ b.T
        labels = np.zeros(len(targets))
        labels[0] = 1.0
        g = (labels[None, :] - np.vectorize(ref_sigmoid)(scores)) * lr
        loss -= sum(ref_log_sigmoid(f) for f in scores[:, 0])
        loss -= sum(ref_log_sigmoid(-f) for f in scores[:, 1:].ravel())
        np.add.at(w_in, ctx, g @ b)
        np.add.at(w_out, targets, g.T @ a)
        n_pred += len(ctx)
    return loss, n_pred, n_eff


def ref_sg_negative_pairs(ids, bounds, w_in, w_out, keep, aprob, aidx, window, k, shrink, lr0, lr1, rng):
    loss, n_pred, n_eff = 0.0, 0, 0
    for lr, sent, pos, ctx in ref_windows(ids, bounds, keep, window, shrink, rng, lr0, lr1):
        if pos is None:
            n_eff += len(sent)
            continue
        centre = sent[pos]
        for o in ctx:
            h = w_in[o].copy()
            grad = np.zeros_like(h)
            loss += ref_logistic(h, grad, centre, 1.0, lr, w_out)
            for _ in range(k):
                n = rng.noise(aprob, aidx)
                if n != centre:
                    loss += ref_logistic(h, grad, n, 0.0, lr, w_out)
            w_in[o] += grad
        n_pred += len(ctx)
    return loss, n_pred, n_eff


def ref_cbow_negative(ids, bounds, w_in, w_out, keep, aprob, aidx, window, k, shrink, lr0, lr1, rng):
    loss, n_pred, n_eff = 0.0, 0, 0
    for lr, sent, pos, ctx in ref_windows(ids, bounds, keep, window, shrink, rng, lr0, lr1):
        if pos is None:
            n_eff += len(sent)
            continue
        if not ctx:
            continue
        centre = sent[pos]
        h = w_in[ctx].mean(axis=0)
        grad = np.zeros_like(h)
        loss += ref_logistic(h, grad, centre, 1.0, lr, w_out)
        for _ in range(k):
            n = rng.noise(aprob, aidx)
            if n != centre:
                loss += ref_logistic(h, grad, n, 0.0, lr, w_out)
        for o in ctx:  # every context row gets the whole gradient of h (the C tool's cbow_mean rule)
            w_in[o] += grad
        n_pred += 1
    return loss, n_pred, n_eff


def ref_sg_hierarchical(
    ids, bounds, w_in, w_out, keep, codes, points, lengths, window, shrink, lr0, lr1, rng
):
    loss, n_pred, n_eff = 0.0, 0, 0
    for lr, sent, pos, ctx in ref_windows(ids, bounds, keep, window, shrink, rng, lr0, lr1):
        if pos is None:
            n_eff += len(sent)
            continue
        centre = sent[pos]
        for o in ctx:
            h = w_in[o].copy()
            grad = np.zeros_like(h)
            for node, code in zip(
                points[centre, : lengths[centre]], codes[centre, : lengths[centre]], strict=True
            ):
                loss += ref_logistic(h, grad, int(node), 1.0 - float(code), lr, w_out)
            w_in[o] += grad
        n_pred += len(ctx)
    return loss, n_pred, n_eff


def ref_cbow_hierarchical(
    ids, bounds, w_in, w_out, keep, codes, points, lengths, window, shrink, lr0, lr1, rng
):
    loss, n_pred, n_eff = 0.0, 0, 0
    for lr, sent, pos, ctx in ref_windows(ids, bounds, keep, window, shrink, rng, lr0, lr1):
        if pos is None:
            n_eff += len(sent)
            continue
        if not ctx:
            continue
        centre = sent[pos]
        h = w_in[ctx].mean(axis=0)
        grad = np.zeros_like(h)
        for node, code in zip(
            points[centre, : lengths[centre]], codes[centre, : lengths[centre]], strict=True
        ):
            loss += ref_logistic(h, grad, int(node), 1.0 - float(code), lr, w_out)
        for o in ctx:
            w_in[o] += grad
        n_pred += 1
    return loss, n_pred, n_eff


def ref_pairs(ids, bounds, keep, window, shrink, rng):
    centres, contexts, n_eff = [], [], 0
    for _, sent, pos, ctx in ref_windows(ids, bounds, keep, window, shrink, rng, 0.0, 0.0):
        if pos is None:
            n_eff += len(sent)
            continue
        centres += [sent[pos]] * len(ctx)
        contexts += ctx
    return np.array(centres, np.int64), np.array(contexts, np.int64), n_eff


def ref_softmax(ids, bounds, w_in, w_out, keep, window, shrink, lr0, lr1, seed, epoch, chunk, batch):
    centres, contexts, n_eff = ref_pairs(ids, bounds, keep, window, shrink, RefRNG(seed, epoch, chunk))
    n = len(centres)
    order = np.random.default_rng((seed, epoch, chunk)).permutation(n)
    centres, contexts = centres[order], contexts[order]
    loss = 0.0
    for start in range(0, n, batch):
        c, o = centres[start : start + batch], contexts[start : start + batch]
        lr = float(np.float32(lr0 + (lr1 - lr0) * start / n))
        h = w_in[c]
        z = h @ w_out.T
        lse = np.logaddexp.reduce(z, axis=1)
        loss += float(np.sum(lse - z[np.arange(len(c)), o]))
        g = np.exp(z - lse[:, None])
        g[np.arange(len(c)), o] -= 1.0
        dh = g @ w_out
        w_out -= lr * (g.T @ h)
        np.add.at(w_in, c, -lr * dh)
    return loss, n, n_eff


# ---------------------------------------------------------------------------------------------------
# Fixtures: a tiny corpus (V = 10, D = 4, five sentences including a one-word one).

V, D = 10, 4


@pytest.fixture
def tiny():
    rng = np.random.default_rng(7)
    lengths = [6, 1, 8, 4, 5]
    ids = rng.integers(0, V, sum(lengths)).astype(np.int32)
    ids[:3] = [2, 2, 5]  # a repeated word inside one window
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    counts = np.sort(rng.integers(1, 50, V))[::-1].astype(np.int64)
    aprob, aidx = alias_table(noise_probabilities(counts, 0.75))
    codes, points, lengths_hs = build_huffman(counts)
    return {
        "ids": ids,
        "bounds": bounds,
        "w_in": (rng.standard_normal((V, D)) * 0.5).astype(np.float32),
        "w_out": (rng.standard_normal((V, D)) * 0.5).astype(np.float32),
        "w_out_hs": (rng.standard_normal((V - 1, D)) * 0.5).astype(np.float32),
        "aprob": aprob,
        "aidx": aidx,
        "codes": codes,
        "points": points,
        "lengths": lengths_hs,
        "buffer": np.empty(len(ids), np.int32),
    }


def keep_probs(subsampled):
    keep = np.ones(V, np.float32)
    if subsampled:
        keep[[0, 1, 3]] = [0.3, 0.6, 0.85]
    return keep


NEGATIVE = {
    "sg_window": (skipgram_negative_chunk, ref_sg_negative_window),
    "sg_pairs": (skipgram_negative_pairs_chunk, ref_sg_negative_pairs),
    "cbow": (cbow_negative_chunk, ref_cbow_negative),
}
HIERARCHICAL = {
    "sg_hs": (skipgram_hierarchical_chunk, ref_sg_hierarchical),
    "cbow_hs": (cbow_hierarchical_chunk, ref_cbow_hierarchical),
}
SETTINGS = [(False, False), (True, True)]  # (subsampling, shrink): deterministic, then random
SEED, EPOCH, CHUNK = 3, 1, 4


def run_negative(kernel, t, keep, shrink, *, window=2, k=3, lr=(0.1, 0.05), chunk=CHUNK, seed=SEED):
    w_in, w_out = t["w_in"].copy(), t["w_out"].copy()
    out = kernel(
        t["ids"], t["bounds"], w_in, w_out, keep, t["aprob"], t["aidx"],
        window, k, shrink, lr[0], lr[1], seed, EPOCH, chunk, t["buffer"],
    )  # fmt: skip
    return out, w_in, w_out


def run_hierarchical(kernel, t, keep, shrink, *, window=2, lr=(0.1, 0.05), chunk=CHUNK, seed=SEED):
    w_in, w_out = t["w_in"].copy(), t["w_out_hs"].copy()
    out = kernel(
        t["ids"], t["bounds"], w_in, w_out, keep, t["codes"], t["points"], t["lengths"],
        window, shrink, lr[0], lr[1], seed, EPOCH, chunk, t["buffer"],
    )  # fmt: skip
    return out, w_in, w_out


def run_softmax(t, keep, shrink, *, window=2, lr=(0.1, 0.05), chunk=CHUNK, seed=SEED, batch=5, epoch=EPOCH):
    w_in, w_out = t["w_in"].copy(), t["w_out"].copy()
    out = softmax_chunk(
        t["ids"], t["bounds"], w_in, w_out, keep, window, shrink, lr[0], lr[1], seed, epoch, chunk,
        batch, t["buffer"],
    )  # fmt: skip
    return out, w_in, w_out


def assert_matches(out, w_in, w_out, ref_out, ref_in, ref_w_out):
    loss, n_pred, n_eff = out
    assert (n_pred, n_eff) == (ref_out[1], ref_out[2])
    assert n_pred > 0
    assert loss == pytest.approx(ref_out[0], rel=1e-5, abs=1e-5)
    np.testing.assert_allclose(w_in, ref_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(w_out, ref_w_out, atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------------------------------
# (a) kernels vs references, exact up to float32 rounding.


@pytest.mark.parametrize(("subsampled", "shrink"), SETTINGS)
@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_reference_negative(tiny, name, subsampled, shrink):
    kernel, ref = NEGATIVE[name]
    keep = keep_probs(subsampled)
    out, w_in, w_out = run_negative(kernel, tiny, keep, shrink)
    ref_in, ref_w_out = tiny["w_in"].astype(np.float64), tiny["w_out"].astype(np.float64)
    ref_out = ref(
        tiny["ids"], tiny["bounds"], ref_in, ref_w_out, keep, tiny["aprob"], tiny["aidx"],
        2, 3, shrink, 0.1, 0.05, RefRNG(SEED, EPOCH, CHUNK),
    )  # fmt: skip
    assert_matches(out, w_in, w_out, ref_out, ref_in, ref_w_out)
    assert not np.allclose(w_in, tiny["w_in"])  # the step did something


@pytest.mark.parametrize(("subsampled", "shrink"), SETTINGS)
@pytest.mark.parametrize("name", sorted(HIERARCHICAL))
def test_reference_hierarchical(tiny, name, subsampled, shrink):
    kernel, ref = HIERARCHICAL[name]
    keep = keep_probs(subsampled)
    out, w_in, w_out = run_hierarchical(kernel, tiny, keep, shrink)
    ref_in, ref_w_out = tiny["w_in"].astype(np.float64), tiny["w_out_hs"].astype(np.float64)
    ref_out = ref(
        tiny["ids"], tiny["bounds"], ref_in, ref_w_out, keep, tiny["codes"], tiny["points"],
        tiny["lengths"], 2, shrink, 0.1, 0.05, RefRNG(SEED, EPOCH, CHUNK),
    )  # fmt: skip
    assert_matches(out, w_in, w_out, ref_out, ref_in, ref_w_out)
    assert not np.allclose(w_out, tiny["w_out_hs"])


@pytest.mark.parametrize(("subsampled", "shrink"), SETTINGS)
@pytest.mark.parametrize("batch", [1, 5, 1000])
def test_reference_softmax(tiny, subsampled, shrink, batch):
    keep = keep_probs(subsampled)
    out, w_in, w_out = run_softmax(tiny, keep, shrink, batch=batch)
    ref_in, ref_w_out = tiny["w_in"].astype(np.float64), tiny["w_out"].astype(np.float64)
    ref_out = ref_softmax(
        tiny["ids"], tiny["bounds"], ref_in, ref_w_out, keep, 2, shrink, 0.1, 0.05, SEED, EPOCH, CHUNK, batch
    )
    assert_matches(out, w_in, w_out, ref_out, ref_in, ref_w_out)


@pytest.mark.parametrize(("subsampled", "shrink"), SETTINGS)
def test_reference_chunk_pairs(tiny, subsampled, shrink):
    keep = keep_probs(subsampled)
    n = len(tiny["ids"])
    centres, contexts = np.full(4 * n, -1, np.int32), np.full(4 * n, -1, np.int32)
    n_pairs, n_eff = chunk_pairs(
        tiny["ids"], tiny["bounds"], keep, 2, shrink, SEED, EPOCH, CHUNK, tiny["buffer"], centres, contexts
    )
    ref_c, ref_o, ref_eff = ref_pairs(
        tiny["ids"], tiny["bounds"], keep, 2, shrink, RefRNG(SEED, EPOCH, CHUNK)
    )
    assert (n_pairs, n_eff) == (len(ref_c), ref_eff)
    np.testing.assert_array_equal(centres[:n_pairs], ref_c)
    np.testing.assert_array_equal(contexts[:n_pairs], ref_o)


def test_reference_rng_stream():
    """The Python xorshift/splitmix re-implementation is the kernels' stream (the basis of the above)."""
    ref = RefRNG(SEED, EPOCH, CHUNK)
    state = K.seed_state(SEED, EPOCH, CHUNK)
    assert int(state[0]) == ref.x
    if NO_JIT:
        return
    from numba import njit

    @njit
    def draws(state, n):
        out = np.empty(n, np.uint64)
        for i in range(n):
            out[i] = K.next_random(state)
        return out

    assert [int(x) for x in draws(state, 50)] == [ref.bits() for _ in range(50)]


# ---------------------------------------------------------------------------------------------------
# (b) the losses' gradients by finite differences, and one kernel step = -lr × that gradient.


def logistic_loss(h, rows, labels):
    """Σ_t -log σ(s_t h·v_t), s_t = +1 for label 1, -1 for label 0 (negative sampling and HS)."""
    f = rows @ h
    return float(np.sum(np.logaddexp(0.0, -np.where(labels > 0.5, f, -f))))


def logistic_grads(h, rows, labels):
    """The kernels' formulas: g_t = label_t - σ(f_t); dL/dh = -Σ g_t v_t, dL/dv_t = -g_t h."""
    g = labels - 1.0 / (1.0 + np.exp(-(rows @ h)))
    return -(g @ rows), -np.outer(g, h)


def softmax_loss(h, w_out, target):
    z = w_out @ h
    return float(np.logaddexp.reduce(z) - z[target])


def softmax_grads(h, w_out, target):
    """dL/dz = ŷ - y; dL/dh = (ŷ - y)W'; dL/dW' = (ŷ - y)ᵀ h."""
    z = w_out @ h
    g = np.exp(z - np.logaddexp.reduce(z))
    g[target] -= 1.0
    return g @ w_out, np.outer(g, h)


def numeric_grad(fn, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = fn()
        x[i] = old - eps
        down = fn()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def test_gradients_logistic_losses():
    rng = np.random.default_rng(0)
    h = rng.standard_normal(5)
    rows = rng.standard_normal((6, 5))
    for labels in (np.array([1.0, 0, 0, 0, 0, 0]), np.array([1.0, 0, 1, 1, 0, 1])):  # NS, an HS path
        grad_h, grad_rows = logistic_grads(h, rows, labels)

        def loss(labels=labels):
            return logistic_loss(h, rows, labels)

        np.testing.assert_allclose(grad_h, numeric_grad(loss, h), atol=1e-7)
        np.testing.assert_allclose(grad_rows, numeric_grad(loss, rows), atol=1e-7)


def test_gradients_softmax_loss():
    rng = np.random.default_rng(1)
    h = rng.standard_normal(4)
    w_out = rng.standard_normal((7, 4))
    grad_h, grad_out = softmax_grads(h, w_out, 3)
    np.testing.assert_allclose(grad_h, numeric_grad(lambda: softmax_loss(h, w_out, 3), h), atol=1e-7)
    np.testing.assert_allclose(grad_out, numeric_grad(lambda: softmax_loss(h, w_out, 3), w_out), atol=1e-7)
    # Huge scores: the stabilised loss stays finite and exact.
    assert softmax_loss(np.array([1000.0, 0, 0, 0]), np.eye(7, 4), 0) == pytest.approx(0.0, abs=1e-12)


# The table sigmoid differs from σ by < 5e-4, so a step differs from -lr × the exact gradient by at most
# lr · 5e-4 · Σ|row| per coordinate; with lr = 0.05 and rows ~0.5 that is < 1e-4.
STEP_ATOL = 1e-4


def one_step_case():
    """Sentence [a, b] (window 1): two predictions, centre a then centre b; noise always word n."""
    rng = np.random.default_rng(5)
    a, b, n = 1, 4, 7
    ids = np.array([a, b], np.int32)
    bounds = np.array([0, 2], np.int64)
    w_in = (rng.standard_normal((V, D)) * 0.5).astype(np.float32)
    w_out = (rng.standard_normal((V, D)) * 0.5).astype(np.float32)
    aprob = np.zeros(V, np.float32)  # an alias table whose every draw is n
    aidx = np.full(V, n, np.int32)
    return a, b, n, ids, bounds, w_in, w_out, aprob, aidx


def fd_step(w_in, w_out, h_row, out_rows, labels, lr):
    """Apply -lr × the finite-difference gradient of the logistic loss of h = W[h_row] (float64, in place)."""
    h = w_in[h_row].copy()
    rows = w_out[out_rows].copy()
    grad_h = numeric_grad(lambda: logistic_loss(h, rows, labels), h)
    grad_rows = numeric_grad(lambda: logistic_loss(h, rows, labels), rows)
    w_in[h_row] -= lr * grad_h
    np.add.at(w_out, out_rows, -lr * grad_rows)


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_step_negative_is_gradient_step(name):
    kernel = NEGATIVE[name][0]
    a, b, n, ids, bounds, w_in, w_out, aprob, aidx = one_step_case()
    ref_in, ref_out = w_in.astype(np.float64), w_out.astype(np.float64)
    lr = 0.05
    kernel(ids, bounds, w_in, w_out, np.ones(V, np.float32), aprob, aidx,
           1, 1, False, lr, lr, 0, 0, 0, np.empty(2, np.int32))  # fmt: skip
    labels = np.array([1.0, 0.0])
    # Centre a, context b (skip-gram: W[b] predicts a; CBOW with one context word is the same), then b, a.
    fd_step(ref_in, ref_out, b, [a, n], labels, lr)
    fd_step(ref_in, ref_out, a, [b, n], labels, lr)
    np.testing.assert_allclose(w_in, ref_in, atol=STEP_ATOL, rtol=0)
    np.testing.assert_allclose(w_out, ref_out, atol=STEP_ATOL, rtol=0)


@pytest.mark.parametrize("name", sorted(HIERARCHICAL))
def test_step_hierarchical_is_gradient_step(name):
    kernel = HIERARCHICAL[name][0]
    a, b, _, ids, bounds, w_in, _, _, _ = one_step_case()
    counts = np.array([40, 30, 20, 15, 10, 8, 6, 4, 2, 1], np.int64)
    codes, points, lengths = build_huffman(counts)
    w_out = (np.random.default_rng(6).standard_normal((V - 1, D)) * 0.5).astype(np.float32)
    ref_in, ref_out = w_in.astype(np.float64), w_out.astype(np.float64)
    lr = 0.05
    kernel(ids, bounds, w_in, w_out, np.ones(V, np.float32), codes, points, lengths,
           1, False, lr, lr, 0, 0, 0, np.empty(2, np.int32))  # fmt: skip
    for centre, context in ((a, b), (b, a)):
        path = points[centre, : lengths[centre]]
        fd_step(ref_in, ref_out, context, path, 1.0 - codes[centre, : lengths[centre]], lr)
    np.testing.assert_allclose(w_in, ref_in, atol=STEP_ATOL, rtol=0)
    np.testing.assert_allclose(w_out, ref_out, atol=STEP_ATOL, rtol=0)


def test_step_softmax_is_gradient_step():
    """One minibatch of both pairs: the exact gradient of the summed cross-entropy, every parameter."""
    a, b, _, ids, bounds, w_in, w_out, _, _ = one_step_case()
    ref_in, ref_out = w_in.astype(np.float64), w_out.astype(np.float64)
    lr = 0.05

    def total():  # the seed notes' direction: the centre's row of W predicts the context
        return softmax_loss(ref_in[a], ref_out, b) + softmax_loss(ref_in[b], ref_out, a)

    loss0 = total()
    grad_in, grad_out = numeric_grad(total, ref_in), numeric_grad(total, ref_out)
    loss, n_pairs, _ = softmax_chunk(ids, bounds, w_in, w_out, np.ones(V, np.float32),
                                     1, False, lr, lr, 0, 0, 0, 2, np.empty(2, np.int32))  # fmt: skip
    assert n_pairs == 2 and loss == pytest.approx(loss0, rel=1e-5)
    np.testing.assert_allclose(w_in, ref_in - lr * grad_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(w_out, ref_out - lr * grad_out, atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------------------------------
# (c) the full-softmax loss falls; windows stay inside their sentence.


def topic_corpus(n_sentences=300, length=8, seed=0):
    """20 words in 4 topics; each sentence uses one topic's words, so contexts are predictable."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, 4, n_sentences)
    ids = (topics[:, None] * 5 + rng.integers(0, 5, (n_sentences, length))).ravel().astype(np.int32)
    bounds = np.arange(0, len(ids) + 1, length, dtype=np.int64)
    return ids, bounds


def test_softmax_loss_falls():
    ids, bounds = topic_corpus()
    rng = np.random.default_rng(1)
    w_in = ((rng.random((20, 8)) - 0.5) / 8).astype(np.float32)
    w_out = np.zeros((20, 8), np.float32)
    buffer = np.empty(len(ids), np.int32)
    keep = np.ones(20, np.float32)
    losses = []
    for epoch in range(5):
        loss, n_pairs, _ = softmax_chunk(ids, bounds, w_in, w_out, keep, 2, True, 0.05, 0.05, 1, epoch, 0,
                                         16, buffer)  # fmt: skip
        losses.append(loss / n_pairs)
    assert losses[0] < math.log(20) + 0.01  # starts near uniform
    assert all(later < earlier for earlier, later in itertools.pairwise(losses))
    assert losses[-1] < math.log(20) - 0.8  # towards log(5): the context is one of the topic's 5 words


def test_chunk_pairs_is_seed_notes_training_set():
    """shrink=False, nothing subsampled: exactly D_i = {(w_t, w_c): |c - t| <= C, c != t} per sentence."""
    lengths = [1, 2, 5, 3, 9]
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = np.arange(bounds[-1], dtype=np.int32)  # word = position, so pairs reveal positions
    keep = np.ones(len(ids), np.float32)
    for window in (1, 2, 4):
        out_c = np.empty(2 * window * len(ids), np.int32)
        out_o = np.empty_like(out_c)
        n_pairs, n_eff = chunk_pairs(ids, bounds, keep, window, False, 0, 0, 0,
                                     np.empty(len(ids), np.int32), out_c, out_o)  # fmt: skip
        expected = sorted(
            (t, c)
            for s in range(len(lengths))
            for t in range(bounds[s], bounds[s + 1])
            for c in range(bounds[s], bounds[s + 1])
            if abs(c - t) <= window and c != t
        )
        assert n_eff == len(ids)
        assert sorted(zip(out_c[:n_pairs].tolist(), out_o[:n_pairs].tolist(), strict=True)) == expected


def test_windows_never_cross_sentences():
    """With shrink and subsampling, for every kernel: every pair lies inside one sentence."""
    lengths = [3, 1, 7, 2, 6, 4]
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = np.arange(bounds[-1], dtype=np.int32)
    sentence_of = np.repeat(np.arange(len(lengths)), lengths)
    keep = np.full(len(ids), 0.8, np.float32)
    out_c = np.empty(6 * len(ids), np.int32)
    out_o = np.empty_like(out_c)
    for chunk in range(20):
        n_pairs, _ = chunk_pairs(ids, bounds, keep, 3, True, 0, 0, chunk,
                                 np.empty(len(ids), np.int32), out_c, out_o)  # fmt: skip
        c, o = out_c[:n_pairs], out_o[:n_pairs]
        assert np.all(sentence_of[c] == sentence_of[o]) and np.all(c != o)
    # The negative-sampling kernels, with negative=0, W = I (one dimension per word) and W' = 0: one step
    # of pair (centre c, context o) adds ~lr/2 · W[o] = lr/2 · e_o to W'[c] (CBOW: lr/2 · mean of e_o), and
    # everything else is O(lr²). So W'[c, o] > 0 reveals the pairs each kernel trained on.
    lr = 1e-3
    for name, (kernel, _) in NEGATIVE.items():
        for chunk in range(5):
            w_in = np.eye(len(ids), dtype=np.float32)
            w_out = np.zeros((len(ids), len(ids)), np.float32)
            aprob, aidx = np.ones(len(ids), np.float32), np.arange(len(ids), dtype=np.int32)
            kernel(ids, bounds, w_in, w_out, keep, aprob, aidx, 3, 0, True,
                   lr, lr, 0, 0, chunk, np.empty(len(ids), np.int32))  # fmt: skip
            c, o = np.nonzero(w_out > lr / 50)
            assert len(c) > 0, name
            assert np.all(sentence_of[c] == sentence_of[o]), name
            assert np.all(c != o), name  # (distances are in kept words, so not checked here)


# ---------------------------------------------------------------------------------------------------
# (d) subsampling keeps each word with its probability; reduced windows are uniform in [1, window].


@pytest.mark.parametrize("p", [0.05, 0.3, 0.77])
def test_subsampling_keep_rate(p):
    n = 20000
    ids = np.zeros(n, np.int32)
    bounds = np.arange(0, n + 1, 50, dtype=np.int64)
    keep = np.array([p, 1.0], np.float32)
    sd = math.sqrt(n * p * (1 - p))
    buffer = np.empty(n, np.int32)
    out = np.empty(2 * n, np.int32)
    _, n_eff = chunk_pairs(ids, bounds, keep, 1, False, 11, 0, 0, buffer, out, out.copy())
    effective = {"pairs": n_eff}
    w = np.zeros((2, 2), np.float32)
    aprob, aidx = np.ones(2, np.float32), np.arange(2, dtype=np.int32)
    for name, (kernel, _) in NEGATIVE.items():
        effective[name] = kernel(ids, bounds, w.copy(), w.copy(), keep, aprob, aidx, 1, 1, False,
                                 0.0, 0.0, 11, 0, 0, buffer)[2]  # fmt: skip
    codes, points, lengths = build_huffman(np.array([2, 1]))
    for name, (kernel, _) in HIERARCHICAL.items():
        effective[name] = kernel(ids, bounds, w.copy(), w[:1].copy(), keep, codes, points, lengths, 1,
                                 False, 0.0, 0.0, 11, 0, 0, buffer)[2]  # fmt: skip
    for name, kept in effective.items():
        assert abs(kept - n * p) < 4.5 * sd, (name, kept, n * p)
    # Words with keep probability 1 are always kept.
    assert chunk_pairs(ids + 1, bounds, keep, 1, False, 11, 0, 0, buffer, out, out.copy())[1] == n


def expected_contexts(length, window):
    """E[number of contexts] summed over a sentence's positions, b uniform in [1, window]."""
    pos = np.arange(length)[:, None]
    b = np.arange(1, window + 1)[None, :]
    return float((np.minimum(pos, b) + np.minimum(length - 1 - pos, b)).mean(axis=1).sum())


def test_reduced_window_uniform():
    window, length = 5, 20000
    ids = np.arange(length, dtype=np.int32)  # one sentence, word = position
    bounds = np.array([0, length], np.int64)
    keep = np.ones(length, np.float32)
    out_c = np.empty(2 * window * length, np.int32)
    out_o = np.empty_like(out_c)
    buffer = np.empty(length, np.int32)
    n_pairs, _ = chunk_pairs(ids, bounds, keep, window, True, 2, 0, 0, buffer, out_c, out_o)
    per_centre = np.bincount(out_c[:n_pairs], minlength=length)[window:-window]  # interior: 2b contexts
    assert np.all(per_centre % 2 == 0)
    b = per_centre // 2
    assert b.min() == 1 and b.max() == window
    observed = np.bincount(b, minlength=window + 1)[1:]
    expected = len(b) / window
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < 25.0  # 4 degrees of freedom: P(chi2 > 25) ≈ 5e-5
    # The skip-gram kernels draw their windows with the same rule: their pair counts match the expectation.
    total = expected_contexts(length, window)
    sd = math.sqrt(length * 4 * (window**2 - 1) / 12)
    assert abs(n_pairs - total) < 5 * sd
    w = np.zeros((length, 2), np.float32)
    aprob, aidx = np.ones(length, np.float32), np.arange(length, dtype=np.int32)
    for name in ("sg_window", "sg_pairs"):
        n_pred = NEGATIVE[name][0](ids, bounds, w, w.copy(), keep, aprob, aidx, window, 1, True,
                                   0.0, 0.0, 9, 0, 0, buffer)[1]  # fmt: skip
        assert abs(n_pred - total) < 5 * sd, name
    codes, points, lengths = build_huffman(np.ones(length, np.int64))
    n_pred = skipgram_hierarchical_chunk(ids, bounds, w, w[:-1].copy(), keep, codes, points, lengths, window,
                                         True, 0.0, 0.0, 9, 0, 0, buffer)[1]  # fmt: skip
    assert abs(n_pred - total) < 5 * sd


# ---------------------------------------------------------------------------------------------------
# (e) the sigmoid and log-sigmoid tables.


@pytest.fixture(scope="module")
def table_values():
    x = np.linspace(-10.0, 10.0, 200001)
    if NO_JIT:
        return x, np.array([K.sigmoid(f) for f in x]), np.array([K.log_sigmoid(f) for f in x])
    from numba import njit

    @njit
    def evaluate(x):
        s, ls = np.empty_like(x), np.empty_like(x)
        for i in range(x.shape[0]):
            s[i] = K.sigmoid(x[i])
            ls[i] = K.log_sigmoid(x[i])
        return s, ls

    return (x, *evaluate(x))


def test_tables_sigmoid(table_values):
    x, s, _ = table_values
    exact = 1.0 / (1.0 + np.exp(-x))
    assert np.max(np.abs(s - exact)) < 1e-3


def test_tables_log_sigmoid(table_values):
    """Fails with the current tables: nearest-entry lookup of log σ, whose slope 1 - σ(f) is ~1 near
    f = -8, errs by up to half a grid step (16/4096/2 ≈ 1.95e-3) around f ∈ [-8, -3]."""
    x, _, ls = table_values
    exact = -np.logaddexp(0.0, -x)
    err = np.abs(ls - exact)
    assert np.max(err) < 1e-3, f"max error {err.max():.2e} at f = {x[err.argmax()]:.3f}"


# ---------------------------------------------------------------------------------------------------
# (f) determinism.


ALL_KERNELS = [*sorted(NEGATIVE), *sorted(HIERARCHICAL), "softmax"]


def run_any(name, t, **kw):
    keep = keep_probs(True)
    if name in NEGATIVE:
        return run_negative(NEGATIVE[name][0], t, keep, True, **kw)
    if name in HIERARCHICAL:
        return run_hierarchical(HIERARCHICAL[name][0], t, keep, True, **kw)
    return run_softmax(t, keep, True, **kw)


@pytest.mark.parametrize("name", ALL_KERNELS)
def test_deterministic(tiny, name):
    first, second = run_any(name, tiny), run_any(name, tiny)
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])
    other = run_any(name, tiny, chunk=CHUNK + 1)
    assert not np.array_equal(first[1], other[1])
    other_seed = run_any(name, tiny, seed=SEED + 1)
    assert not np.array_equal(first[1], other_seed[1])


def test_different_chunk_different_noise():
    """The noise words themselves (not only the windows) differ between chunks."""
    n = 2000
    ids = np.zeros(n, np.int32)
    bounds = np.array([0, n], np.int64)
    counts = np.ones(50, np.int64)
    aprob, aidx = alias_table(noise_probabilities(counts, 0.75))
    results = []
    for chunk in (0, 1):
        w_in, w_out = np.full((50, 2), 0.1, np.float32), np.zeros((50, 2), np.float32)
        skipgram_negative_pairs_chunk(ids, bounds, w_in, w_out, np.ones(50, np.float32), aprob, aidx, 1, 5,
                                      False, 0.1, 0.1, 0, 0, chunk, np.empty(n, np.int32))  # fmt: skip
        results.append(w_out[1:, 0] != 0)  # which words were drawn as noise (word 0 is the centre)
        assert results[-1].all()  # 10000 draws over 49 words reach them all...
        results[-1] = w_out[1:, 0].copy()  # ...so compare how often each was drawn
    assert not np.array_equal(results[0], results[1])


# ---------------------------------------------------------------------------------------------------
# (g) the kernels' Python source also runs as plain Python (NUMBA_DISABLE_JIT=1).


@pytest.mark.skipif(NO_JIT, reason="already running without JIT")
def test_reference_comparison_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", __file__,
           "-k", "reference and not without_jit and not (softmax and 1000)"]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
