"""Tests for the PyTorch backend: losses and gradients against NumPy, pair generation against a
plain
Python reference, training quality on a planted-cluster corpus, determinism, hooks, tables,
schedule."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend tests need PyTorch (skipgram[torch])")

from skipgram.engines import make_backend  # noqa: E402
from skipgram.engines.base import LearningRateSchedule, TrainingHooks, TrainingSetup  # noqa: E402
from skipgram.engines.pytorch.model import SkipGramModel, sample_noise  # noqa: E402
from skipgram.engines.pytorch.spec import TorchOptions  # noqa: E402
from skipgram.engines.pytorch.trainer import (  # noqa: E402
    TORCH_MISSING,
    TorchBackend,
    block_end,
    cbow_windows,
    sentence_ids,
    skipgram_pairs,
    subsample,
)
from skipgram.errors import ParameterError  # noqa: E402
from skipgram.model import Word2Vec  # noqa: E402
from skipgram.sampling import alias_table, keep_probabilities, noise_probabilities  # noqa: E402

pytestmark = pytest.mark.torch


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# -------------------------------------------------------------------------------- fixtures
class ToyCorpus:
    """EncodedCorpus's interface over in-memory arrays."""

    def __init__(self, sentences):
        self.ids = np.concatenate([np.asarray(s, dtype=np.int32) for s in sentences])
        self.offsets = np.cumsum([0] + [len(s) for s in sentences]).astype(np.int64)
        self.raw_words = len(self.ids)

    def __len__(self):
        return len(self.ids)

    def slice(self, start, stop):
        return np.array(self.ids[start:stop], dtype=np.int32)


def planted_clusters(n_clusters=4, per_cluster=8, n_sentences=1500, length=12, seed=0):
    """Sentences drawn from one cluster of words each: words of a cluster share all contexts."""
    rng = np.random.default_rng(seed)
    sentences = [
        rng.integers(0, per_cluster, length) + per_cluster * rng.integers(n_clusters)
        for _ in range(n_sentences)
    ]
    return ToyCorpus(sentences), n_clusters * per_cluster, per_cluster


def make_setup(
    corpus,
    vocab_size,
    *,
    dim=16,
    loss="negative",
    architecture="skipgram",
    epochs=2,
    batch_size=256,
    sample=0.0,
    window=4,
    shrink_windows=True,
    seed=1,
    lr=0.025,
    extra=None,
):
    counts = np.bincount(corpus.ids, minlength=vocab_size).astype(np.int64)
    noise = noise_probabilities(counts, 0.75)
    prob, alias = alias_table(noise)
    rng = np.random.default_rng(seed)
    return TrainingSetup(
        corpus=corpus,
        counts=counts,
        keep_prob=keep_probabilities(counts, sample),
        noise_prob=noise,
        alias_prob=prob,
        alias_index=alias,
        input_vectors=(rng.random((vocab_size, dim), dtype=np.float32) - 0.5) / dim,
        output_vectors=np.zeros((vocab_size, dim), np.float32),
        schedule=LearningRateSchedule(lr, lr * 1e-4, epochs * len(corpus)),
        architecture=architecture,
        loss=loss,
        window=window,
        negative=5,
        shrink_windows=shrink_windows,
        epochs=epochs,
        batch_words=10000,
        workers=1,
        seed=seed,
        batch_size=batch_size,
        device="cpu",
        options=TorchOptions(**(extra or {})),
    )


def train(setup, hooks=None):
    backend = TorchBackend(setup)
    results = [backend.train_epoch(e, 0, hooks or TrainingHooks()) for e in range(setup.epochs)]
    backend.pull()
    return backend, results


# ---------------------------------------------------------------------------------- losses
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_negative(w_in, w_out, centers, targets, negatives, scale=1.0):
    """Loss and gradients of skip-gram negative sampling, one prediction at a time."""
    g_in, g_out, loss = np.zeros_like(w_in), np.zeros_like(w_out), 0.0
    shared = negatives.ndim == 1
    for b, (c, o) in enumerate(zip(centers, targets, strict=True)):
        h = w_in[c]
        s = h @ w_out[o]
        loss += -np.log(sigmoid(s))
        g_in[c] += (sigmoid(s) - 1) * w_out[o]
        g_out[o] += (sigmoid(s) - 1) * h
        for n in negatives if shared else negatives[b]:
            if n == o:
                continue  # word2vec skips a noise word equal to the target
            s = h @ w_out[n]
            w = scale if shared else 1.0
            loss += -w * np.log(sigmoid(-s))
            g_in[c] += w * sigmoid(s) * w_out[n]
            g_out[n] += w * sigmoid(s) * h
    return loss, g_in, g_out


def numpy_softmax(w_in, w_out, centers, targets):
    g_in, g_out, loss = np.zeros_like(w_in), np.zeros_like(w_out), 0.0
    for c, o in zip(centers, targets, strict=True):
        z = w_out @ w_in[c]
        p = np.exp(z - z.max())
        p /= p.sum()
        loss += -np.log(p[o])
        d = p.copy()
        d[o] -= 1
        g_in[c] += d @ w_out
        g_out += np.outer(d, w_in[c])
    return loss, g_in, g_out


@pytest.fixture
def tiny():
    rng = np.random.default_rng(3)
    # float32-representable doubles: the model stores float32, the tests compare in float64
    w_in = rng.normal(0, 0.5, (7, 4)).astype(np.float32).astype(float)
    w_out = rng.normal(0, 0.5, (7, 4)).astype(np.float32).astype(float)
    centers = np.array([0, 3, 3, 5])
    targets = np.array([1, 2, 6, 0])
    negatives = np.array([[4, 2, 1], [6, 0, 0], [6, 1, 5], [2, 2, 3]])  # [0]: 1 == target, skipped
    return w_in, w_out, centers, targets, negatives


def torch_model(w_in, w_out, dtype=torch.float64):
    model = SkipGramModel.from_arrays(w_in.astype(np.float32), w_out.astype(np.float32))
    return model.to(dtype)


def autograd(model, *args, **kwargs):
    model.zero_grad()
    loss = model(*args, **kwargs)
    loss.backward()
    return (
        float(loss.detach()),
        model.in_embed.weight.grad.numpy(),
        model.out_embed.weight.grad.numpy(),
    )


def step_gradients(model, lr=0.5, **kwargs):
    """Gradients implied by one sgd_step: (before - after) / lr."""
    before_in = model.in_embed.weight.detach().clone()
    before_out = model.out_embed.weight.detach().clone()
    loss = model.sgd_step(lr=lr, **kwargs)
    g_in = (before_in - model.in_embed.weight.detach()) / lr
    g_out = (before_out - model.out_embed.weight.detach()) / lr
    return float(loss), g_in.numpy(), g_out.numpy()


def t(a):
    return torch.as_tensor(a)


@pytest.mark.parametrize("shared", [False, True])
def test_negative_sampling_loss_and_gradients_match_numpy(tiny, shared):
    w_in, w_out, centers, targets, negatives = tiny
    if shared:
        negatives = np.array([4, 2, 6, 1])  # one pool for the batch, each term weighted k/S
    scale = 3 / 4 if shared else 1.0
    ref_loss, ref_in, ref_out = numpy_negative(w_in, w_out, centers, targets, negatives, scale)

    model = torch_model(w_in, w_out)
    args = (t(centers), t(targets), t(negatives))
    loss, g_in, g_out = autograd(model, *args, shared_scale=scale)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(g_in, ref_in, atol=1e-10)
    np.testing.assert_allclose(g_out, ref_out, atol=1e-10)

    loss, g_in, g_out = step_gradients(
        model, centers=args[0], targets=args[1], negatives=args[2], shared_scale=scale
    )
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(g_in, ref_in, atol=1e-10)
    np.testing.assert_allclose(g_out, ref_out, atol=1e-10)


def test_softmax_loss_and_gradients_match_numpy(tiny):
    w_in, w_out, centers, targets, _ = tiny
    ref_loss, ref_in, ref_out = numpy_softmax(w_in, w_out, centers, targets)
    model = torch_model(w_in, w_out)
    loss, g_in, g_out = autograd(model, t(centers), t(targets), loss="softmax")
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(g_in, ref_in, atol=1e-10)
    np.testing.assert_allclose(g_out, ref_out, atol=1e-10)
    # the closed-form step, in chunks smaller than the batch
    loss, g_in, g_out = step_gradients(
        model, centers=t(centers), targets=t(targets), negatives=None, loss="softmax",
        softmax_chunk=3,
    )  # fmt: skip
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(g_in, ref_in, atol=1e-10)
    np.testing.assert_allclose(g_out, ref_out, atol=1e-10)


@pytest.mark.parametrize("loss_name", ["negative", "softmax"])
def test_finite_differences(tiny, loss_name):
    w_in, w_out, centers, targets, negatives = tiny
    model = torch_model(w_in, w_out)
    kwargs = {"loss": loss_name}
    args = (t(centers), t(targets), t(negatives) if loss_name == "negative" else None)
    _, g_in, g_out = autograd(model, *args, **kwargs)
    eps = 1e-6
    for weight, grad in ((model.in_embed.weight, g_in), (model.out_embed.weight, g_out)):
        for row, col in [(0, 0), (3, 2), (2, 1), (6, 3), (1, 0)]:
            with torch.no_grad():
                weight[row, col] += eps
                up = float(model(*args, **kwargs))
                weight[row, col] -= 2 * eps
                down = float(model(*args, **kwargs))
                weight[row, col] += eps
            assert (up - down) / (2 * eps) == pytest.approx(grad[row, col], abs=1e-6)


def test_cbow_step_follows_word2vec_convention(tiny):
    """h = mean of the context rows; each context row receives the full dL/dh (word2vec.c)."""
    w_in, w_out, _, targets, negatives = tiny
    ctx = np.array([[1, 2, 0], [4, 4, 5], [6, 0, 0], [2, 3, 1]])
    mask = np.array([[1, 1, 0], [1, 1, 1], [1, 0, 0], [1, 1, 1]], dtype=bool)
    model = torch_model(w_in, w_out)
    # reference: autograd through forward gives dL/dW = dL/dh / n per context row
    loss, g_in_true, g_out = autograd(
        model, None, t(targets), t(negatives), context_ids=t(ctx), context_mask=t(mask)
    )
    h = np.stack([w_in[c[m]].mean(0) for c, m in zip(ctx, mask, strict=True)])
    ref_loss, _, ref_out = numpy_negative(h, w_out, np.arange(4), targets, negatives)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(g_out, ref_out, atol=1e-10)
    step_loss, g_in, g_out_step = step_gradients(
        model, centers=None, targets=t(targets), negatives=t(negatives),
        context_ids=t(ctx), context_mask=t(mask),
    )  # fmt: skip
    assert step_loss == pytest.approx(ref_loss, rel=1e-10)
    np.testing.assert_allclose(g_out_step, ref_out, atol=1e-10)
    # undo the 1/n of the mean per occurrence: the convention's update is n x the true gradient
    g_h = np.zeros_like(w_in)
    _, g_hidden, _ = numpy_negative(h, w_out, np.arange(4), targets, negatives)
    for b in range(4):
        for c in ctx[b][mask[b]]:
            g_h[c] += g_hidden[b]
    np.testing.assert_allclose(g_in, g_h, atol=1e-10)
    assert not np.allclose(g_in, g_in_true)


def test_initialisation_is_word2vecs():
    model = SkipGramModel(50, 10, generator=torch.Generator().manual_seed(0))
    w = model.in_embed.weight.detach().numpy()
    assert np.abs(w).max() <= 0.05 and w.std() > 0.01
    assert not model.out_embed.weight.detach().numpy().any()


# ---------------------------------------------------------------------------------- pairs
def reference_pairs(sentences, b):
    """The seed notes' D_i with reduced windows: (w_t, w_c), 1 <= |c - t| <= b_t, same sentence."""
    pairs, k = [], 0
    for sentence in sentences:
        for i, w in enumerate(sentence):
            for j, c in enumerate(sentence):
                if 1 <= abs(i - j) <= b[k + i]:
                    pairs.append((w, c))
        k += len(sentence)
    return sorted(pairs)


SENTENCES = [[0, 1, 2], [3], [4, 5, 6, 7, 8], [9, 10, 11, 12], [13, 14]]


@pytest.mark.parametrize("window", [1, 2, 5])
def test_pairs_fixed_window_are_exactly_the_seed_notes_set(window):
    corpus = ToyCorpus(SENTENCES)
    sid = sentence_ids(corpus.offsets, 0, len(corpus), "cpu")
    ids = torch.as_tensor(corpus.ids).long()
    b = torch.full((len(corpus),), window)
    centers, contexts, owners = skipgram_pairs(ids, sid, b, window)
    assert torch.equal(ids[owners], centers)  # each pair knows its window's centre position
    got = sorted(zip(centers.tolist(), contexts.tolist(), strict=True))
    assert got == reference_pairs(SENTENCES, [window] * len(corpus))
    sentence_of = {w: k for k, s in enumerate(SENTENCES) for w in s}
    assert all(sentence_of[c] == sentence_of[o] for c, o in got)


def test_pairs_with_reduced_windows_and_a_block_inside_the_corpus():
    corpus = ToyCorpus(SENTENCES)
    gen = torch.Generator().manual_seed(5)
    b = torch.randint(1, 4, (len(corpus),), generator=gen)
    start, stop = 1, 12  # starts mid-sentence: positions 1-2 form the block's first sentence
    sid = sentence_ids(corpus.offsets, start, stop, "cpu")
    assert sid.tolist() == [0, 0, 1, 2, 2, 2, 2, 2, 3, 3, 3]
    ids = torch.as_tensor(corpus.ids[start:stop]).long()
    centers, contexts, owners = skipgram_pairs(ids, sid, b[start:stop], 3)
    assert torch.equal(ids[owners], centers)
    got = sorted(zip(centers.tolist(), contexts.tolist(), strict=True))
    pieces = [[1, 2], [3], [4, 5, 6, 7, 8], [9, 10, 11]]
    assert got == reference_pairs(pieces, b[start:stop].tolist())


def test_cbow_windows_match_reference():
    corpus = ToyCorpus(SENTENCES)
    sid = sentence_ids(corpus.offsets, 0, len(corpus), "cpu")
    ids = torch.as_tensor(corpus.ids).long()
    b = torch.tensor([2, 1, 2, 2, 1, 2, 1, 2, 2, 1, 1, 2, 2, 2, 1])
    centers, ctx, mask = cbow_windows(ids, sid, b, 2)
    got = {c: sorted(row[m].tolist()) for c, row, m in zip(centers.tolist(), ctx, mask, strict=True)}
    expected = {}
    for center, context in reference_pairs(SENTENCES, b.tolist()):
        expected.setdefault(center, []).append(context)
    assert got == {c: sorted(v) for c, v in expected.items()}
    assert 3 not in got  # a one-word sentence has no context


def test_subsampling_keeps_at_the_keep_probability():
    ids = torch.randint(0, 4, (200_000,), generator=torch.Generator().manual_seed(0))
    keep_prob = torch.tensor([1.0, 0.5, 0.1, 0.0])
    kept, _ = subsample(ids, ids.clone(), keep_prob, torch.Generator().manual_seed(1))
    rate = np.bincount(kept.numpy(), minlength=4) / np.bincount(ids.numpy(), minlength=4)
    np.testing.assert_allclose(rate, [1.0, 0.5, 0.1, 0.0], atol=0.01)


def test_noise_draws_follow_the_setups_distribution():
    counts = np.array([1000, 300, 100, 30, 10, 5], dtype=np.int64)
    noise = noise_probabilities(counts, 0.75)
    prob, alias = alias_table(noise)
    draws = sample_noise(torch.as_tensor(prob), torch.as_tensor(alias).long(), (400_000,), torch.Generator())
    freq = np.bincount(draws.numpy(), minlength=len(counts)) / 400_000
    np.testing.assert_allclose(freq, noise, atol=0.004)


def test_blocks_end_at_sentence_starts():
    offsets = np.array([0, 4, 9, 15, 16, 30])
    assert block_end(offsets, 0, 30, 5) == 9
    assert block_end(offsets, 9, 30, 100) == 30
    assert block_end(offsets, 0, 30, 100, limit=10) == 15
    assert block_end(np.array([0, 1000]), 0, 1000, 10) == 10  # a giant sentence is cut


# -------------------------------------------------------------------------------- training
def cluster_quality(vectors, per_cluster):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sim = unit @ unit.T
    label = np.arange(len(vectors)) // per_cluster
    same = label[:, None] == label[None, :]
    np.fill_diagonal(sim, np.nan)
    nearest = np.nanargmax(sim, axis=1)
    off_diag = ~np.eye(len(vectors), dtype=bool)
    return (
        float((label[nearest] == label).mean()),
        float(np.nanmean(sim[same & off_diag])),
        float(np.nanmean(sim[~same])),
    )


@pytest.mark.parametrize(
    ("loss", "architecture", "extra"),
    [
        ("negative", "skipgram", {}),
        ("negative", "skipgram", {"row_cap": 8.0}),
        ("softmax", "skipgram", {}),
        ("negative", "cbow", {}),
        ("softmax", "cbow", {}),
    ],
)
def test_planted_clusters_give_sensible_neighbours(loss, architecture, extra):
    corpus, vocab_size, per_cluster = planted_clusters()
    setup = make_setup(corpus, vocab_size, loss=loss, architecture=architecture, extra=extra)
    _, results = train(setup)
    assert results[-1].loss_sum / results[-1].n_predictions < results[0].loss_sum / results[0].n_predictions
    accuracy, same, other = cluster_quality(setup.input_vectors, per_cluster)
    assert accuracy == 1.0
    assert same > other + 0.3


def test_same_seed_same_vectors_other_seed_other_vectors():
    corpus, vocab_size, _ = planted_clusters(n_sentences=300)
    runs = []
    for seed in (1, 1, 2):
        setup = make_setup(corpus, vocab_size, seed=seed, sample=1e-2, extra={"block_words": 700})
        setup.input_vectors = make_setup(corpus, vocab_size).input_vectors  # same start
        train(setup)
        runs.append(setup.input_vectors.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


class StopAfterFirstSafePoint(TrainingHooks):
    def __init__(self):
        self.positions, self.stop = [], False
        self.words = 0

    def on_progress(self, words, effective_words, loss_sum, n_predictions):
        self.words += words

    def wants_safe_point(self):
        return True

    def on_safe_point(self, epoch, position):
        self.positions.append(position)
        self.stop = True

    def should_stop(self):
        return self.stop


def test_safe_point_and_resume_replay_an_uninterrupted_run():
    corpus, vocab_size, _ = planted_clusters(n_sentences=300)
    extra = {"block_words": 1000}
    full = make_setup(corpus, vocab_size, epochs=1, extra=extra)
    train(full)

    part = make_setup(corpus, vocab_size, epochs=1, extra=extra)
    backend = TorchBackend(part)
    hooks = StopAfterFirstSafePoint()
    result = backend.train_epoch(0, 0, hooks)
    position = hooks.positions[0]
    assert result.position == position == hooks.words
    assert position in set(corpus.offsets.tolist()) and 0 < position < len(corpus)
    # the model saves a checkpoint here; a new backend resumes from the saved arrays
    saved_in, saved_out = part.input_vectors.copy(), part.output_vectors.copy()
    resumed = make_setup(corpus, vocab_size, epochs=1, extra=extra)
    resumed.input_vectors, resumed.output_vectors = saved_in, saved_out
    backend = TorchBackend(resumed)
    rest = backend.train_epoch(0, position, TrainingHooks())
    backend.pull()
    assert rest.position == len(corpus)
    assert rest.words + hooks.words == len(corpus)
    np.testing.assert_array_equal(resumed.input_vectors, full.input_vectors)
    np.testing.assert_array_equal(resumed.output_vectors, full.output_vectors)


def test_learning_rate_follows_the_shared_schedule(monkeypatch):
    corpus, vocab_size, _ = planted_clusters(n_sentences=200)
    setup = make_setup(corpus, vocab_size, epochs=2, extra={"block_words": 500})
    backend = TorchBackend(setup)
    rates = []
    original = backend.model.sgd_step

    def recording(*args, **kwargs):
        rates.append(args[3])
        return original(*args, **kwargs)

    monkeypatch.setattr(backend.model, "sgd_step", recording)
    for epoch in range(2):
        backend.train_epoch(epoch, 0, TrainingHooks())
    assert rates[0] == setup.schedule.start
    assert all(a >= b for a, b in itertools.pairwise(rates))
    last_block = setup.schedule.at(setup.schedule.total_words - 500)
    assert setup.schedule.end <= rates[-1] <= last_block


def test_torch_counters_match_the_corpus():
    corpus, vocab_size, _ = planted_clusters(n_sentences=200)
    setup = make_setup(corpus, vocab_size, epochs=1, shrink_windows=False, window=2)
    _, (result,) = train(setup)
    assert result.words == result.effective_words == len(corpus)  # sample=0 keeps everything
    # 12-word sentences, window 2: 2*(12-1) + 2*(12-2) = 42 pairs per sentence
    assert result.n_predictions == 42 * 200


def test_cpu_backend_shares_the_setups_arrays():
    corpus, vocab_size, _ = planted_clusters(n_sentences=50)
    setup = make_setup(corpus, vocab_size, epochs=1)
    before = setup.input_vectors.copy()
    backend = TorchBackend(setup)
    backend.train_epoch(0, 0, TrainingHooks())
    assert not np.array_equal(before, setup.input_vectors)  # trained in place, pull() not needed


def test_rejects_hierarchical_softmax_and_missing_cuda():
    corpus, vocab_size, _ = planted_clusters(n_sentences=10)
    with pytest.raises(ParameterError, match="backend='numba' does"):
        make_backend(make_setup(corpus, vocab_size, loss="hierarchical"), "torch")
    if not torch.cuda.is_available():
        setup = make_setup(corpus, vocab_size)
        setup.device = "cuda"
        with pytest.raises(ParameterError, match="CUDA"):
            TorchBackend(setup)


def test_missing_torch_gives_the_install_hint():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "try:\n    import skipgram.engines.pytorch.trainer\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == TORCH_MISSING


def test_word2vec_end_to_end_with_the_torch_backend_agrees_with_numba():
    import skipgram.model as model_module

    rng = np.random.default_rng(0)
    sentences = [[f"w{c}_{i}" for i in rng.integers(0, 8, 12)] for c in rng.integers(0, 4, 1500)]
    fitted = {}
    for backend in ("torch", "numba"):
        fitted[backend] = model_module.Word2Vec(
            vector_size=16, window=4, min_count=1, sample=0, epochs=3, backend=backend, workers=1,
            batch_size=256, seed=1, progress=False, device="cpu" if backend == "torch" else None,
        ).fit(sentences)  # fmt: skip
    torch_model_, numba_model = fitted["torch"], fitted["numba"]
    assert torch_model_.vocab_.words == numba_model.vocab_.words  # same vocabulary and ids
    # the same objective on the same tables and schedule: the mean losses agree closely
    np.testing.assert_allclose(torch_model_.loss_history_, numba_model.loss_history_, rtol=0.05)
    for word, _ in torch_model_.wv_.most_similar("w2_3")[:5]:
        assert word.startswith("w2_")


def test_row_cap_scales_only_rows_seen_more_often_than_the_cap(tiny):
    w_in, w_out, centers, targets, negatives = tiny
    capped, plain = torch_model(w_in, w_out), torch_model(w_in, w_out)
    args = {"centers": t(centers), "targets": t(targets), "negatives": t(negatives)}
    _, g_plain, _ = step_gradients(plain, **args)
    _, g_capped, _ = step_gradients(capped, row_cap=1.0, **args)
    np.testing.assert_allclose(g_capped[0], g_plain[0])  # centre 0 occurs once: unchanged
    np.testing.assert_allclose(g_capped[3], g_plain[3] / 2)  # centre 3 occurs twice: halved


@pytest.mark.parametrize("shared", [True, False])
def test_shared_negatives_changes_how_the_torch_engine_draws_noise(monkeypatch, shared):
    """shared_negatives=True: one draw of k noise words per window (centre) and block; False: per pair."""
    import skipgram.engines.pytorch.trainer as trainer

    shapes = []
    original = trainer.sample_noise

    def recording(prob, index, shape, generator):
        shapes.append(tuple(shape))
        return original(prob, index, shape, generator)

    monkeypatch.setattr(trainer, "sample_noise", recording)
    rng = np.random.default_rng(0)
    sentences = [[f"w{c}_{i}" for i in rng.integers(0, 8, 12)] for c in rng.integers(0, 4, 200)]
    model = Word2Vec(
        vector_size=8, window=3, min_count=1, sample=0, epochs=1, backend="torch", workers=1,
        batch_size=64, shared_negatives=shared, progress=False,
    ).fit(sentences)  # fmt: skip
    pairs = model.training_log_[0]["predictions"]
    if shared:
        assert shapes == [(2400, 5)]  # one block: a row of 5 noise words per kept word
    else:
        assert sum(rows for rows, _ in shapes) == pairs and len(shapes) == -(-pairs // 64)


def test_shared_negatives_gives_other_vectors_on_the_torch_engine():
    rng = np.random.default_rng(1)
    sentences = [[f"w{c}_{i}" for i in rng.integers(0, 8, 12)] for c in rng.integers(0, 4, 200)]
    vectors = [
        Word2Vec(
            vector_size=8,
            min_count=1,
            sample=0,
            epochs=1,
            backend="torch",
            workers=1,
            shared_negatives=shared,
            progress=False,
        )
        .fit(sentences)
        .wv_.vectors
        for shared in (True, False)
    ]
    assert not np.allclose(vectors[0], vectors[1])
