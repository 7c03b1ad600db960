"""Word2Vec: parameter validation, determinism, quality on planted and real text, callbacks, persistence."""

from __future__ import annotations

import gzip
import itertools

import numpy as np
import pytest

from skipgram import Word2Vec
from skipgram.datasets import demo_corpus_path
from skipgram.errors import CorpusError, ParameterError

TOPICS = 5
WORDS_PER_TOPIC = 12


def planted_corpus(n_sentences: int = 1500, length: int = 12, seed: int = 0) -> list[list[str]]:
    """Sentences that each draw words from one topic: words of a topic share contexts, others never do."""
    rng = np.random.default_rng(seed)
    sentences = []
    for _ in range(n_sentences):
        topic = rng.integers(TOPICS)
        ids = rng.integers(WORDS_PER_TOPIC, size=length)
        sentences.append([f"t{topic}w{i}" for i in ids])
    return sentences


def topic_purity(wv, topn: int = 5) -> float:
    """Share of each word's nearest neighbours that come from the word's own topic."""
    hits = total = 0
    for word in wv.words:
        topic = word.split("w")[0]
        for neighbour, _ in wv.most_similar(word, topn=topn):
            hits += neighbour.split("w")[0] == topic
            total += 1
    return hits / total


SMALL = dict(vector_size=16, min_count=1, epochs=3, workers=1, progress=False, sample=0.0)


@pytest.fixture(scope="module")
def planted():
    return planted_corpus()


# --- parameter validation: one row per invalid value ----------------------------------------------
INVALID = [
    (
        "vector_size",
        0,
        "The 'vector_size' parameter of Word2Vec must be an int in the range [1, 10000]; got 0.",
    ),
    ("vector_size", 10.5, "'vector_size' parameter of Word2Vec must be an int"),
    ("window", 0, "'window' parameter of Word2Vec must be an int in the range [1, 1000]; got 0."),
    ("min_count", 0, "'min_count' parameter of Word2Vec must be an int in the range [1, inf); got 0."),
    ("max_vocab_size", 0, "'max_vocab_size' parameter of Word2Vec must be None or an int"),
    ("sample", -0.1, "'sample' parameter of Word2Vec must be a float in the range [0, 1]; got -0.1."),
    ("negative", 0, "The 'negative' parameter of Word2Vec must be an int in the range [1, 1000]; got 0."),
    ("negative", True, "'negative' parameter of Word2Vec must be an int"),
    ("ns_exponent", float("nan"), "'ns_exponent' parameter of Word2Vec must be a float"),
    ("loss", "nce", "'loss' parameter of Word2Vec must be one of 'negative', 'softmax', 'hierarchical'"),
    ("architecture", "sg", "'architecture' parameter of Word2Vec must be one of 'skipgram', 'cbow'"),
    ("lr", 0.0, "'lr' parameter of Word2Vec must be None or a float in the range (0, 10]; got 0.0."),
    ("epochs", 0, "'epochs' parameter of Word2Vec must be an int in the range [1, inf); got 0."),
    ("workers", 0, "'workers' parameter of Word2Vec must be None or an int in the range [1, 4096]"),
    ("seed", -1, "'seed' parameter of Word2Vec must be an int"),
    ("output", "both", "'output' parameter of Word2Vec must be one of 'input', 'average'"),
    ("max_sentence_length", 0, "'max_sentence_length' parameter of Word2Vec must be an int"),
    ("stop_words", 3, "'stop_words' parameter of Word2Vec must be None or 'english' or a list of words"),
    ("batch_words", 0, "'batch_words' parameter of Word2Vec must be an int"),
    ("shrink_windows", "yes", "'shrink_windows' parameter of Word2Vec must be a bool; got 'yes'."),
    ("backend", "jax", "'backend' parameter of Word2Vec must be one of 'numba', 'torch'"),
    ("batch_size", 0, "'batch_size' parameter of Word2Vec must be None or an int"),
    ("progress", 1, "'progress' parameter of Word2Vec must be a bool; got 1."),
]


@pytest.mark.parametrize(("name", "value", "message"), INVALID, ids=[f"{r[0]}={r[1]!r}" for r in INVALID])
def test_invalid_parameter_is_named_in_the_error(name, value, message):
    with pytest.raises(ParameterError) as info:
        Word2Vec(**{name: value}).fit([["a", "b"]])
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        (dict(loss="hierarchical", output="average"), "output='average' needs one output vector per word"),
        (dict(lr=0.01, min_lr=0.1), "min_lr (0.1) must not exceed lr (0.01)"),
        (dict(loss="softmax", architecture="cbow"), "backend='numba' does not train architecture='cbow'"),
    ],
)
def test_inconsistent_parameters(params, fragment):
    with pytest.raises(ParameterError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        Word2Vec(**params).fit([["a", "b"]])


def test_init_only_stores_parameters_and_fit_returns_self(planted):
    model = Word2Vec(**SMALL)
    assert not hasattr(model, "wv_") and not hasattr(model, "vocab_")
    assert model.get_params()["vector_size"] == 16
    assert "vector_size=16" in repr(model)
    assert model.fit(planted) is model
    assert model.wv_.vectors.shape == (TOPICS * WORDS_PER_TOPIC, 16)
    assert model.input_vectors_.dtype == np.float32


def test_empty_corpus_and_nothing_above_min_count_fail_clearly(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(CorpusError, match="empty"):
        Word2Vec(progress=False).fit(empty)
    with pytest.raises(CorpusError, match="min_count"):
        Word2Vec(min_count=50, progress=False).fit([["rare", "words", "only"]])


# --- determinism -----------------------------------------------------------------------------------
def test_one_worker_and_a_seed_give_identical_vectors(planted):
    first = Word2Vec(**SMALL, seed=7).fit(planted)
    second = Word2Vec(**SMALL, seed=7).fit(planted)
    other = Word2Vec(**SMALL, seed=8).fit(planted)
    assert np.array_equal(first.wv_.vectors, second.wv_.vectors)
    assert np.array_equal(first.output_vectors_, second.output_vectors_)
    assert first.loss_history_ == second.loss_history_
    assert not np.array_equal(first.wv_.vectors, other.wv_.vectors)


# --- quality on planted structure: every objective and architecture ----------------------------------
@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(shared_negatives=False),
        dict(architecture="cbow"),
        dict(loss="hierarchical"),
        dict(architecture="cbow", loss="hierarchical"),
        dict(loss="softmax", batch_size=64),
        dict(workers=2),
    ],
    ids=["sg-ns", "sg-ns-pairwise", "cbow-ns", "sg-hs", "cbow-hs", "sg-softmax", "sg-ns-2-workers"],
)
def test_planted_topics_are_recovered(planted, params):
    model = Word2Vec(**{**SMALL, "epochs": 5, **params}).fit(planted)
    # Chance is 11/59 ≈ 0.19; measured 1.0 over seeds 1-5 for every row (a broken kernel gives ~0.2).
    assert topic_purity(model.wv_) > 0.8
    losses = model.loss_history_
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_output_average_is_the_mean_of_both_matrices(planted):
    model = Word2Vec(**SMALL, output="average").fit(planted)
    expected = (model.input_vectors_ + model.output_vectors_) / 2
    np.testing.assert_allclose(model.wv_.vectors, expected, rtol=1e-6)


def test_training_log_reports_loss_and_speed(planted):
    model = Word2Vec(**SMALL).fit(planted)
    log = model.training_log_
    assert [entry["epoch"] for entry in log] == [1, 2, 3]
    for entry in log:
        assert entry["raw_words"] == 1500 * 12
        assert entry["effective_words"] == entry["words"] == 1500 * 12  # sample=0 keeps every word
        assert entry["words_per_second"] > 0 and entry["predictions"] > 0
    assert len(model.loss_curve_) >= 3
    assert model.wv_.metadata["training_log"] == log


def test_subsampling_drops_frequent_words(planted):
    model = Word2Vec(**{**SMALL, "sample": 1e-3}).fit(planted)
    entry = model.training_log_[0]
    assert entry["effective_words"] < 0.6 * entry["words"]


def test_callback_can_stop_training_early(planted):
    seen = []

    def stop_after_two(model, info):
        seen.append(info["epoch"])
        assert model.input_vectors_.shape[0] == len(model.vocab_)
        return info["epoch"] >= 2

    model = Word2Vec(**{**SMALL, "epochs": 5}).fit(planted, callbacks=[stop_after_two])
    assert seen == [1, 2]
    assert len(model.loss_history_) == 2


def test_softmax_refuses_a_vocabulary_that_would_take_hours(monkeypatch, planted):
    import skipgram.engines.numba.softmax as softmax

    monkeypatch.setattr(softmax, "softmax_epoch_seconds_estimate", lambda *a: 5 * 3600.0)
    with pytest.raises(ParameterError, match=r"about 5\.0 hours"):
        Word2Vec(**SMALL, loss="softmax").fit(planted)
    model = Word2Vec(**{**SMALL, "epochs": 1}, loss="softmax", allow_slow_softmax=True).fit(planted)
    assert len(model.loss_history_) == 1


def test_save_and_load_model_round_trip(tmp_path, planted):
    model = Word2Vec(**SMALL).fit(planted)
    path = tmp_path / "model.skipgram"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.wv_.words == model.wv_.words
    np.testing.assert_array_equal(loaded.input_vectors_, model.input_vectors_)
    np.testing.assert_array_equal(loaded.output_vectors_, model.output_vectors_)
    assert loaded.loss_history_ == model.loss_history_
    assert loaded.get_params()["vector_size"] == 16


def test_more_epochs_continue_from_a_finished_checkpoint(tmp_path, planted):
    path = tmp_path / "model.skipgram"
    first = Word2Vec(**SMALL).fit(planted, checkpoint=path)
    more = Word2Vec(**SMALL).set_params(epochs=5).fit(planted, checkpoint=path)
    assert [e["epoch"] for e in more.training_log_] == [1, 2, 3, 4, 5]
    assert more.training_log_[:3] == first.training_log_
    assert not np.array_equal(more.wv_.vectors, first.wv_.vectors)
    with pytest.raises(ParameterError, match="vector_size=16 \\(now 32\\)"):
        Word2Vec(**SMALL).set_params(vector_size=32).fit(planted, checkpoint=path)


# --- real text ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_prefix(tmp_path_factory):
    """The first 600k tokens of the bundled Wikipedia corpus."""
    with gzip.open(demo_corpus_path(), "rt", encoding="utf-8") as handle:
        text = handle.read(3_600_000)
    path = tmp_path_factory.mktemp("demo") / "prefix.txt"
    path.write_text(text[: text.rfind(" ")])
    return path


def test_neighbours_of_frequent_words_make_sense_on_real_text(demo_prefix):
    model = Word2Vec(vector_size=50, epochs=3, workers=1, seed=1, progress=False).fit(demo_prefix)
    wv = model.wv_
    expected = {
        "france": {"germany", "italy", "spain", "england", "britain", "europe", "french", "paris", "russia",
                   "netherlands", "belgium", "portugal", "austria", "poland", "sweden"},
        "two": {"three", "four", "five", "six", "seven", "eight", "nine", "one", "zero"},
        "john": {"william", "james", "george", "thomas", "henry", "charles", "robert", "david", "paul",
                 "richard", "edward", "peter", "smith", "michael"},
    }  # fmt: skip
    hits = {word: len(expected[word] & {w for w, _ in wv.most_similar(word, topn=10)}) for word in expected}
    # Measured over seeds 1-5 on this prefix (2 workers): france 1-3, two 5, john 5-6, total 12-13.
    # Random vectors would score about 0.01 hits per word.
    assert hits["two"] >= 4, hits
    assert hits["john"] >= 3, hits
    assert hits["france"] >= 1, hits
    assert sum(hits.values()) >= 10, hits


def test_unknown_word_error_suggests_spellings(planted):
    model = Word2Vec(**SMALL).fit(planted)
    with pytest.raises(KeyError, match="t1w1"):
        model.wv_["t1w1x"]


def test_iterables_and_generators(planted):
    with pytest.raises(CorpusError, match="several times"):
        Word2Vec(**SMALL).fit(iter(planted))
    model = Word2Vec(**SMALL).fit(tuple(itertools.islice(planted, 300)))
    assert len(model.wv_) == TOPICS * WORDS_PER_TOPIC


def test_numba_training_never_imports_torch():
    """torch costs ~200 MB of resident memory: the default path must not load it, not even to ask
    whether a process group exists."""
    import subprocess
    import sys

    code = (
        "import sys; from skipgram import Word2Vec; "
        "Word2Vec(min_count=1, sample=0.0, epochs=1, workers=1, progress=False).fit([['a', 'b', 'c']] * 20); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'matplotlib', 'gensim')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_corpus_too_small_to_make_pairs_says_so():
    with pytest.raises(CorpusError, match="no training pairs"):
        # one-word sentences: no word has a context
        Word2Vec(min_count=1, sample=0.0, epochs=1, workers=1, progress=False).fit([["a"], ["b"]] * 10)
