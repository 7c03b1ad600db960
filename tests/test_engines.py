"""The engines contract: the registry, capabilities, options, and a new engine added through the registry
alone (a plain NumPy skip-gram trainer, written here) training through ``Word2Vec`` and the CLI."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from skipgram import Word2Vec
from skipgram.cli import main
from skipgram.engines import engine_names, get_engine, make_backend, register, unregister
from skipgram.engines.base import Capabilities, EngineSpec, EpochResult, TrainingHooks
from skipgram.errors import ParameterError


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class NumpyEngine:
    """Skip-gram with negative sampling, one pair at a time in NumPy: slow, simple, and complete."""

    instances: ClassVar[list] = []

    def __init__(self, setup):
        self.setup = setup
        self.offsets = np.asarray(setup.corpus.offsets, dtype=np.int64)
        NumpyEngine.instances.append(self)

    def pull(self):
        pass

    def push(self):
        pass

    def safe_positions(self):
        return self.offsets

    def parameters(self):
        return [self.setup.input_vectors, self.setup.output_vectors]

    def train_epoch(self, epoch, start, hooks):
        s = self.setup
        w_in, w_out = s.input_vectors, s.output_vectors
        rng = np.random.default_rng([s.seed, epoch, start])
        result = EpochResult(position=start)
        n = len(s.corpus)
        first = int(np.searchsorted(self.offsets, start))
        for k in range(first, len(self.offsets) - 1):
            a, b = int(self.offsets[k]), int(self.offsets[k + 1])
            if hooks.should_stop() or (hooks.stop_at is not None and a >= hooks.stop_at):
                result.position = a
                return result
            words = s.corpus.slice(a, b)
            kept = words[rng.random(len(words)) < s.keep_prob[words]]
            lr = s.schedule.at(epoch * n + a)
            loss, pairs = 0.0, 0
            for i, centre in enumerate(kept):
                for j in range(max(0, i - s.window), min(len(kept), i + s.window + 1)):
                    if j == i:
                        continue
                    h = w_in[kept[j]]
                    targets = np.concatenate(
                        [[centre], rng.choice(len(s.counts), s.negative, p=s.noise_prob)]
                    )
                    labels = np.zeros(len(targets), np.float32)
                    labels[0] = 1.0
                    scores = w_out[targets] @ h
                    g = (labels - _sigmoid(scores)) * lr
                    loss -= np.log(_sigmoid(scores[0])) + np.log(_sigmoid(-scores[1:])).sum()
                    grad_h = g @ w_out[targets]
                    np.add.at(w_out, targets, np.outer(g, h))
                    w_in[kept[j]] += grad_h
                    pairs += 1
            result.add(EpochResult(loss, pairs, b - a, len(kept)))
            hooks.on_progress(b - a, len(kept), loss, pairs)
            result.position = b
        return result


SPEC = EngineSpec(
    name="numpy-toy",
    summary="pair-by-pair NumPy skip-gram (a test engine)",
    capabilities=Capabilities(objectives=frozenset({("skipgram", "negative")})),
    load=lambda: NumpyEngine,
)


@pytest.fixture
def toy_engine():
    NumpyEngine.instances.clear()
    register(SPEC)
    yield SPEC
    unregister(SPEC.name)


def clusters(n_sentences=300, seed=0):
    rng = np.random.default_rng(seed)
    return [[f"c{c}w{i}" for i in rng.integers(0, 6, 10)] for c in rng.integers(0, 3, n_sentences)]


def test_builtin_engines_declare_what_they_train():
    assert engine_names()[:2] == ("numba", "torch")
    numba, torch = get_engine("numba"), get_engine("torch")
    assert numba.capabilities.supports("cbow", "hierarchical")
    assert not torch.capabilities.supports("skipgram", "hierarchical")
    assert numba.capabilities.default_batch_size == 256 and torch.capabilities.default_batch_size == 4096


def test_unknown_engine_is_one_line_listing_the_choices():
    with pytest.raises(ParameterError, match=r"must be one of 'numba', 'torch'.*got 'banana'"):
        Word2Vec(backend="banana").fit([["a", "b"]])


def test_an_objective_an_engine_lacks_is_refused_before_training():
    with pytest.raises(ParameterError, match=r"backend='torch' does not train.*backend='numba' does"):
        Word2Vec(backend="torch", loss="hierarchical").fit([["a", "b"]])


def test_a_new_engine_trains_through_word2vec(toy_engine):
    model = Word2Vec(
        backend=toy_engine.name, vector_size=12, window=3, min_count=1, sample=0, epochs=2, seed=3,
        progress=False,
    ).fit(clusters())  # fmt: skip
    assert len(NumpyEngine.instances) == 1
    assert model.loss_history_[1] < model.loss_history_[0]
    wv = model.wv_
    same = wv.similarity("c0w1", "c0w2")
    other = wv.similarity("c0w1", "c1w2")
    assert same > other + 0.2


def test_a_new_engine_trains_through_the_cli(toy_engine, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in clusters(150)) + "\n")
    out = tmp_path / "v.txt"
    code = main(["train", str(corpus), "-o", str(out), "--backend", toy_engine.name, "--epochs", "1",
                 "--min-count", "1", "--vector-size", "8", "--no-progress"])  # fmt: skip
    assert code == 0
    assert out.read_text().split("\n", 1)[0] == "18 8"


def test_a_new_engine_is_refused_an_objective_it_does_not_declare(toy_engine):
    with pytest.raises(ParameterError, match="backend='numpy-toy' does not train architecture='cbow'"):
        Word2Vec(backend=toy_engine.name, architecture="cbow", min_count=1).fit(clusters(5))


def test_an_engine_that_cannot_run_here_says_why(toy_engine):
    register(
        EngineSpec(
            name="absent",
            summary="needs hardware this machine lacks",
            capabilities=SPEC.capabilities,
            load=lambda: NumpyEngine,
            available=lambda: "no such device on this machine",
        )
    )
    try:
        with pytest.raises(ParameterError, match="backend='absent' cannot run here: no such device"):
            Word2Vec(backend="absent", min_count=1, progress=False).fit(clusters(5))
    finally:
        unregister("absent")


def test_registering_a_name_twice_is_refused(toy_engine):
    with pytest.raises(ValueError, match="already registered"):
        register(SPEC)


def test_numba_engine_stops_at_stop_at_and_resumes_to_the_same_vectors():
    from skipgram._params import resolve_params
    from skipgram._setup import make_setup
    from skipgram.corpus import scan

    vocab, corpus = scan(clusters(400), min_count=1)
    params = resolve_params({"vector_size": 8, "workers": 1, "batch_words": 200, "epochs": 1})
    whole = make_setup(params, vocab, corpus)
    make_backend(whole, "numba").train_epoch(0, 0, TrainingHooks())

    split = make_setup(params, vocab, corpus)
    engine = make_backend(split, "numba")
    hooks = TrainingHooks()
    hooks.stop_at = 1500
    first = engine.train_epoch(0, 0, hooks)
    positions = engine.safe_positions()
    assert first.position in positions and first.position >= 1500
    assert first.position == positions[np.searchsorted(positions, 1500)]
    rest = engine.train_epoch(0, first.position, TrainingHooks())
    assert rest.position == len(corpus)
    np.testing.assert_array_equal(whole.input_vectors, split.input_vectors)
    assert engine.parameters()[0] is split.input_vectors
