"""The CUDA engine on numba's CUDA simulator: the kernel against a NumPy reference with the same draws.

``tests/conftest.py`` sets ``NUMBA_ENABLE_CUDASIM=1`` before anything imports numba, so ``numba.cuda``
here is the simulator (the real kernel source, run by Python threads). Sizes are tiny: the simulator
runs a few thousand kernel operations per second.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip(
    "numba.cuda", reason="the cuda engine's tests need numba-cuda: pip install 'skipgram[cuda]'"
)

from numba import cuda

from skipgram.engines.cuda import sampling

pytestmark = [
    pytest.mark.cudasim,
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
    pytest.mark.skipif(
        os.environ.get("NUMBA_ENABLE_CUDASIM") != "1",
        reason="runs on the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)",
    ),
]


# ------------------------------------------------------------------------------------ the reference
def _sigmoid(f: np.ndarray) -> np.ndarray:
    f = f.astype(np.float32)
    s = (np.float32(1.0) / (np.float32(1.0) + np.exp(-f))).astype(np.float32)
    return np.where(f >= 8.0, np.float32(1.0), np.where(f <= -8.0, np.float32(0.0), s)).astype(np.float32)


def reference_piece(piece, t, w_in, w_out):
    """One piece, trained by plain NumPy with the kernel's draws (sampling.py): the CPU window math."""
    start, stop = int(t["starts"][piece]), int(t["stops"][piece])
    stride = t["negative"] + 2
    key = sampling.piece_key(t["seed"], t["epoch"], piece)
    raw = t["ids"][start:stop]
    i = np.arange(raw.size, dtype=np.uint64)
    p = t["keep"][raw]
    keep = (p >= 1.0) | (sampling.uniform(sampling.random_bits(key, i * np.uint64(stride))) < p)
    sentence = np.searchsorted(t["offsets"], np.arange(start, stop), side="right") - 1
    kept, sid = raw[keep].astype(np.int64), sentence[keep]
    total = max(1, t["total_words"])
    progress = min(1.0, max(0.0, (t["words_done"] + start) / total))
    lr = np.float32(t["lr_start"] - (t["lr_start"] - t["lr_end"]) * progress)
    loss, n_pred = 0.0, 0
    for pos in range(kept.size):
        base = np.uint64(pos * stride)
        reach = t["window"]
        if t["shrink"]:
            reach = 1 + int(sampling.below(sampling.random_bits(key, base + np.uint64(1)), t["window"]))
        same = np.flatnonzero(sid == sid[pos])
        lo, hi = max(same[0], pos - reach), min(same[-1] + 1, pos + reach + 1)
        ctx = np.array([kept[c] for c in range(lo, hi) if c != pos], dtype=np.int64)
        if ctx.size == 0:
            continue
        centre = kept[pos]
        counters = base + np.uint64(2) + np.arange(t["negative"], dtype=np.uint64)
        noise = sampling.alias_draw(sampling.random_bits(key, counters), t["alias_prob"], t["alias_index"])
        targets = np.concatenate([[centre], noise[noise != centre]])
        labels = np.zeros(targets.size, np.float32)
        labels[0] = 1.0
        a, b = w_in[ctx].copy(), w_out[targets].copy()
        s = a @ b.T
        g = ((labels - _sigmoid(s)) * lr).astype(np.float32)
        loss += float(np.sum(np.logaddexp(0.0, -np.where(labels > 0, s, -s).astype(np.float64))))
        np.add.at(w_in, ctx, g @ b)
        np.add.at(w_out, targets, g.T @ a)
        n_pred += ctx.size
    return loss, n_pred, int(kept.size)


# ------------------------------------------------------------------------------------ fixtures
def make_task(*, seed=3, n_vocab=17, dim=6, window=2, negative=3, shrink=True, sample=0.6, sentences=None):
    rng = np.random.default_rng(seed)
    if sentences is None:
        sentences = [int(x) for x in rng.integers(1, 25, size=6)]
    offsets = np.concatenate([[0], np.cumsum(sentences)]).astype(np.int64)
    ids = rng.integers(0, n_vocab, size=int(offsets[-1])).astype(np.int32)
    counts = np.bincount(ids, minlength=n_vocab).astype(np.int64) + 1
    keep = np.minimum(1.0, sample * (counts.max() / counts) ** -0.5).astype(np.float32)
    keep[: n_vocab // 2] = 1.0  # some words always kept, some subsampled
    noise = counts**0.75 / np.sum(counts**0.75)
    from skipgram.sampling import alias_table

    alias_prob, alias_index = alias_table(noise)
    return {
        "ids": ids, "offsets": offsets, "keep": keep, "alias_prob": alias_prob, "alias_index": alias_index,
        "w_in": ((rng.random((n_vocab, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32),
        "w_out": ((rng.random((n_vocab, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32),
        "window": window, "negative": negative, "shrink": shrink, "lr_start": 0.5, "lr_end": 0.1,
        "words_done": 0, "total_words": int(offsets[-1]) * 2, "seed": seed, "epoch": 1, "dim": dim,
    }  # fmt: skip


def plan(task, piece_words):
    task["starts"], task["stops"], task["first"] = sampling.plan_pieces(task["offsets"], piece_words)
    task["piece_words"] = piece_words
    return task


def run_kernel(task, w_in, w_out, first, last, threads=4):
    from skipgram.engines.cuda import kernels

    kernel = kernels.skipgram_negative_kernel(
        task["dim"], task["window"], task["negative"], threads, task["piece_words"]
    )
    d_in, d_out = cuda.to_device(w_in), cuda.to_device(w_out)
    totals = cuda.to_device(np.zeros(3, np.float64))
    kernel[max(1, last - first), threads](
        cuda.to_device(task["ids"]), cuda.to_device(task["offsets"]), cuda.to_device(task["starts"]),
        cuda.to_device(task["stops"]), cuda.to_device(task["first"]), first, last, d_in, d_out,
        cuda.to_device(task["keep"]), cuda.to_device(task["alias_prob"]), cuda.to_device(task["alias_index"]),
        int(task["shrink"]), task["lr_start"], task["lr_end"], task["words_done"], task["total_words"],
        task["seed"], task["epoch"], totals,
    )  # fmt: skip
    return d_in.copy_to_host(), d_out.copy_to_host(), totals.copy_to_host()


# ------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize(
    ("shrink", "sentences", "piece_words"),
    [(True, None, 16), (False, [3, 1, 30, 2, 7], 12), (True, [40], 40)],
)
def test_kernel_matches_numpy_reference(shrink, sentences, piece_words):
    task = plan(make_task(shrink=shrink, sentences=sentences), piece_words)
    n = len(task["starts"])
    got_in, got_out, totals = run_kernel(task, task["w_in"], task["w_out"], 0, n)
    ref_in, ref_out = task["w_in"].copy(), task["w_out"].copy()
    loss = n_pred = n_kept = 0
    for piece in range(n):  # the simulator runs blocks one after another, in order
        part = reference_piece(piece, task, ref_in, ref_out)
        loss, n_pred, n_kept = loss + part[0], n_pred + part[1], n_kept + part[2]
    assert n_pred > 0
    assert np.abs(ref_in - task["w_in"]).max() > 1e-3  # the reference did train
    np.testing.assert_allclose(got_in, ref_in, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(got_out, ref_out, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(totals[0], loss, rtol=1e-5)
    assert totals[1] == n_pred and totals[2] == n_kept


def test_only_the_launched_pieces_change_and_a_piece_is_independent_of_its_launch():
    task = plan(make_task(sentences=[10, 10, 10, 10]), 10)
    # Zero W': a piece then touches only rows of its own words and its noise words.
    w_out = np.zeros_like(task["w_out"])
    a_in, a_out, _ = run_kernel(task, task["w_in"], w_out, 2, 3)
    ref_in, ref_out = task["w_in"].copy(), w_out.copy()
    reference_piece(2, task, ref_in, ref_out)
    np.testing.assert_allclose(a_in, ref_in, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(a_out, ref_out, rtol=1e-5, atol=2e-6)
    touched = np.flatnonzero(np.any(a_in != task["w_in"], axis=1))
    assert set(touched) <= set(task["ids"][20:30].tolist())


def test_same_seed_epoch_piece_gives_the_same_update_and_other_epochs_differ():
    task = plan(make_task(), 16)
    n = len(task["starts"])
    first = run_kernel(task, task["w_in"], task["w_out"], 0, n)
    again = run_kernel(task, task["w_in"], task["w_out"], 0, n)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[2], again[2])
    task["epoch"] = 2
    other = run_kernel(task, task["w_in"], task["w_out"], 0, n)
    assert not np.array_equal(first[0], other[0])


def test_empty_launch_changes_nothing():
    task = plan(make_task(), 16)
    got_in, _, totals = run_kernel(task, task["w_in"], task["w_out"], 0, 0)
    np.testing.assert_array_equal(got_in, task["w_in"])
    np.testing.assert_array_equal(totals, 0.0)


def _expected_pairs(lengths, window):
    """(centre, context) pairs of full windows (no shrink, no subsampling) in sentences this long."""
    total = 0
    for n in lengths:
        pos = np.arange(n)
        total += int(np.sum(np.minimum(n, pos + window + 1) - np.maximum(0, pos - window) - 1))
    return total


def test_windows_never_cross_sentences_and_stop_at_piece_cuts():
    sentences = [5, 1, 7, 30, 2]
    task = make_task(sentences=sentences, shrink=False, window=3)
    task["keep"][:] = 1.0
    plan(task, 8)  # the 30-word sentence becomes 4 parts of 7-8 words; the short ones share pieces
    _, _, totals = run_kernel(task, task["w_in"], task["w_out"], 0, len(task["starts"]))
    parts = [int(b - a) for a, b in zip(task["starts"], task["stops"], strict=True) if a >= 13 and b <= 43]
    assert sum(parts) == 30 and len(parts) == 4
    expected = _expected_pairs([5, 1, 7, 2], 3) + _expected_pairs(parts, 3)
    assert totals[1] == expected  # one more pair across any boundary would show here
    assert totals[2] == sum(sentences)


def test_plan_pieces_tiles_sentences_within_the_limit():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 60, size=200)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    starts, stops, first = sampling.plan_pieces(offsets, 25)
    assert np.all(stops - starts >= 1) and np.all(stops - starts <= 25)
    assert np.array_equal(starts[1:], stops[:-1])  # contiguous ...
    nonempty = np.flatnonzero(lengths)
    assert starts[0] == offsets[nonempty[0]] and stops[-1] == offsets[-1]  # ... and complete
    # Each piece starts inside its first sentence; a piece either holds whole sentences or one part.
    assert np.all(offsets[first] <= starts) and np.all(starts < offsets[first + 1])
    for a, b, s in zip(starts, stops, first, strict=True):
        whole = offsets[s] == a and b in set(offsets.tolist())
        part = b <= offsets[s + 1]
        assert whole or part
    assert len(sampling.plan_pieces(np.array([0]), 5)[0]) == 0


def test_rng_draws_follow_their_distributions():
    key = sampling.piece_key(7, 2, 11)
    bits = sampling.random_bits(key, np.arange(200_000, dtype=np.uint64))
    u = sampling.uniform(bits)
    assert 0.0 <= u.min() and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.005
    reach = 1 + sampling.below(bits, 5).astype(np.int64)  # the dynamic window, uniform on 1..5
    np.testing.assert_allclose(np.bincount(reach, minlength=6)[1:] / reach.size, 0.2, atol=0.005)
    from skipgram.sampling import alias_table

    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    prob, alias = alias_table(p)
    noise = sampling.alias_draw(bits, prob, alias)
    np.testing.assert_allclose(np.bincount(noise, minlength=5) / noise.size, p, atol=0.005)
    # Streams of different pieces, epochs or seeds are unrelated.
    other = sampling.random_bits(sampling.piece_key(7, 2, 12), np.arange(200_000, dtype=np.uint64))
    assert abs(np.corrcoef(sampling.uniform(other), u)[0, 1]) < 0.01
    assert sampling.piece_key(7, 2, 11) != sampling.piece_key(7, 3, 11) != sampling.piece_key(8, 2, 11)


def test_subsampling_keeps_the_expected_fraction():
    task = make_task(sentences=[400], n_vocab=5, dim=2, window=1, negative=1)
    task["keep"][:] = np.array([1.0, 0.5, 0.25, 0.1, 0.75], np.float32)
    plan(task, 400)
    _, _, totals = run_kernel(task, task["w_in"], task["w_out"], 0, 1, threads=2)
    expected = float(np.sum(task["keep"][task["ids"]]))
    sd = float(np.sqrt(np.sum(task["keep"][task["ids"]] * (1 - task["keep"][task["ids"]]))))
    assert abs(totals[2] - expected) < 4 * sd
    # and exactly what the reference's draws keep
    assert totals[2] == reference_piece(0, task, task["w_in"].copy(), task["w_out"].copy())[2]
