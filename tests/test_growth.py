"""Growing a model: fit_more (new words, combined counts, rebuilt tables, resume after kill -9), vocabulary
files and rules (vs the C tool and gensim), init_vectors with lock_init, estimate_memory."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from skipgram import Word2Vec
from skipgram import model as model_module
from skipgram._growth import combined_vocabulary, grow_rows
from skipgram.errors import FormatError, ParameterError
from skipgram.sampling import keep_probabilities, noise_probabilities
from skipgram.vectors import KeyedVectors
from skipgram.vocab import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP, Vocabulary

ROOT = Path(__file__).resolve().parent.parent
FAST = dict(vector_size=16, window=3, min_count=2, sample=0.0, negative=4, workers=1, seed=3, progress=False)


def topic_corpus(n_sentences: int, seed: int, topics: dict[str, list[str]]) -> list[list[str]]:
    """Sentences of 8 words, each drawn from one topic's words: words of a topic share contexts."""
    rng = np.random.default_rng(seed)
    names = sorted(topics)
    out = []
    for _ in range(n_sentences):
        words = topics[names[rng.integers(len(names))]]
        out.append([words[i] for i in rng.integers(len(words), size=8)])
    return out


TOPICS = {t: [f"{t}{i}" for i in range(12)] for t in ("animal", "colour", "number", "place")}


@pytest.fixture(scope="module")
def base_model():
    return Word2Vec(epochs=3, **FAST).fit(topic_corpus(600, 1, TOPICS))


def grown_topics():
    topics = {k: list(v) for k, v in TOPICS.items()}
    topics["animal"] += ["newanimal0", "newanimal1"]
    topics["colour"] += ["newcolour0", "newcolour1"]
    return topics


def test_fit_more_new_words_combined_counts_and_neighbours(base_model):
    old_counts = dict(zip(base_model.vocab_.words, base_model.vocab_.counts.tolist(), strict=True))
    new_corpus = [*topic_corpus(600, 2, grown_topics()), ["lonely"]]  # 'lonely' stays below min_count
    seen = Vocabulary.build(new_corpus, min_count=1)
    model = _copy(base_model)
    model.fit_more(new_corpus, epochs=3)
    vocab = model.vocab_
    assert set(vocab.words) == set(old_counts) | {"newanimal0", "newanimal1", "newcolour0", "newcolour1"}
    for word in old_counts:
        assert vocab.counts[vocab.id(word)] == old_counts[word] + seen.counts[seen.id(word)]
    assert vocab.raw_total == base_model.vocab_.raw_total + seen.raw_total
    assert list(vocab.counts) == sorted(vocab.counts, reverse=True)
    # Calibrated: with the base model's 3 epochs and 3 more, every new word's 5 nearest neighbours
    # are words of its topic (measured: 5 of 5 for all four; a random ranking would give ~1.2).
    for new, topic in (("newanimal0", "animal"), ("newanimal1", "animal"), ("newcolour0", "colour")):
        near = [w for w, _ in model.wv_.most_similar(new, topn=5)]
        assert sum(w.startswith(topic) or w.startswith("new" + topic) for w in near) >= 4, (new, near)
    assert model.continuation_["new_words"] == 4
    assert model.continuation_["base"]["words"] == len(base_model.vocab_)


def _copy(model):
    import copy

    return copy.deepcopy(model)


def test_known_rows_move_with_their_words_and_new_rows_are_fresh(base_model):
    old = base_model.vocab_
    seen = Vocabulary(["colour3", "brandnew", "animal0"], np.array([10_000, 7, 1]), 10_008)
    params = dict(base_model.params_, max_final_vocab=None)
    vocab = combined_vocabulary(old, seen, params, True, None)
    assert vocab.words[0] == "colour3" and "brandnew" in vocab  # re-sorted by the combined counts
    w_in, w_out, lock = grow_rows(base_model, old, vocab, params)
    for word in old.words:
        np.testing.assert_array_equal(w_in[vocab.id(word)], base_model.input_vectors_[old.id(word)])
        np.testing.assert_array_equal(w_out[vocab.id(word)], base_model.output_vectors_[old.id(word)])
    fresh = vocab.id("brandnew")
    dim = params["vector_size"]
    assert np.all(np.abs(w_in[fresh]) <= 0.5 / dim) and np.any(w_in[fresh] != 0)
    assert np.all(w_out[fresh] == 0) and lock is None


def test_tables_rebuilt_from_combined_counts(base_model, monkeypatch):
    captured = []
    real = model_module.make_setup

    def spy(params, vocab, corpus, resumed=None):
        setup = real(params, vocab, corpus, resumed)
        captured.append(setup)
        return setup

    monkeypatch.setattr(model_module, "make_setup", spy)
    model = _copy(base_model)
    model.fit_more(topic_corpus(300, 4, grown_topics()), epochs=1, lr=0.01)
    setup = captured[-1]
    counts = model.vocab_.counts
    np.testing.assert_array_equal(setup.counts, counts)
    np.testing.assert_allclose(setup.noise_prob, noise_probabilities(counts, 0.75))
    np.testing.assert_allclose(setup.keep_prob, keep_probabilities(counts, model.params_["sample"]))
    assert setup.schedule.start == 0.01 and setup.schedule.total_words == model.corpus_info_["words"]
    assert model.params_["lr"] == 0.01 and model.params_["epochs"] == 1


def test_fit_more_without_new_words_keeps_the_vocabulary(base_model):
    model = _copy(base_model)
    model.fit_more(topic_corpus(300, 5, grown_topics()), epochs=1, new_words=False)
    assert set(model.vocab_.words) == set(base_model.vocab_.words)
    assert int(model.vocab_.counts.sum()) > int(base_model.vocab_.counts.sum())


def test_hierarchical_refuses_new_words_and_keeps_its_tree():
    corpus = topic_corpus(300, 1, TOPICS)
    model = Word2Vec(epochs=1, loss="hierarchical", **FAST).fit(corpus)
    with pytest.raises(ParameterError, match="new_words=False"):
        model.fit_more(topic_corpus(100, 2, grown_topics()))
    before = model.vocab_
    model.fit_more(topic_corpus(100, 2, grown_topics()), epochs=1, new_words=False)
    assert model.vocab_.words == before.words and np.array_equal(model.vocab_.counts, before.counts)


def test_fit_more_refuses_changed_shape_and_unfitted(base_model):
    with pytest.raises(ParameterError, match="not fitted"):
        Word2Vec().fit_more([["a", "b"]])
    model = _copy(base_model).set_params(vector_size=32)
    with pytest.raises(ParameterError, match="vector_size=32"):
        model.fit_more([["animal1", "animal2"]] * 10)


def test_blend_is_the_weighted_average_of_before_and_after(base_model):
    """Known words' rows: before + (1 - w) (after - before), in W and W'; new words' rows untouched."""
    new_corpus = topic_corpus(300, 4, grown_topics())
    plain = _copy(base_model).fit_more(new_corpus, epochs=2, blend=0)
    blended = _copy(base_model).fit_more(new_corpus, epochs=2, blend=0.3)
    assert plain.continuation_["blend"] == 0.0 and blended.continuation_["blend"] == 0.3
    assert blended.vocab_.words == plain.vocab_.words
    source = np.array([base_model.vocab_.index.get(w, -1) for w in plain.vocab_.words])
    known, new = source >= 0, source < 0
    assert new.sum() == 4
    for name in ("input_vectors_", "output_vectors_"):
        before = getattr(base_model, name)[source[known]]
        after = getattr(plain, name)[known]
        np.testing.assert_allclose(getattr(blended, name)[known], 0.3 * before + 0.7 * after, atol=1e-6)
        np.testing.assert_array_equal(getattr(blended, name)[new], getattr(plain, name)[new])
    assert np.array_equal(blended.wv_["animal1"], blended.input_vectors_[blended.vocab_.id("animal1")])


def test_auto_blend_weighs_the_stages_by_words_trained(base_model):
    base_words = sum(e["words"] for e in base_model.training_log_)
    once = _copy(base_model).fit_more(topic_corpus(200, 4, grown_topics()), epochs=1)
    now = sum(e["words"] for e in once.training_log_)
    assert once.continuation_["words_before"] == base_words
    assert once.continuation_["blend"] == pytest.approx(base_words / (base_words + now))
    twice = _copy(once).fit_more(topic_corpus(200, 5, grown_topics()), epochs=1)  # a chain of stages
    later = sum(e["words"] for e in twice.training_log_)
    assert twice.continuation_["words_before"] == base_words + now
    assert twice.continuation_["blend"] == pytest.approx((base_words + now) / (base_words + now + later))


@pytest.mark.parametrize("bad", [1.5, -0.1, "half", True, [0.5]])
def test_blend_values_are_checked_before_training(base_model, bad):
    model = _copy(base_model)
    expected = (
        "The 'blend' parameter of fit_more must be one of 'auto', a float in the range [0, 1] or None; "
        f"got {bad!r}"
    )
    with pytest.raises(ParameterError, match=re.escape(expected)):
        model.fit_more([["animal1", "animal2"]] * 10, blend=bad)
    assert model.vocab_.words == base_model.vocab_.words  # nothing was trained


KILLED_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from skipgram import Word2Vec
    base, corpus, checkpoint, kill = sys.argv[1:5]
    model = Word2Vec.load(base)
    def die(model, info):
        if kill == "1" and info["epoch"] == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    model.fit_more(corpus, epochs=3, checkpoint=checkpoint, callbacks=[die])
    model.save(checkpoint + ".done")
    """
)


def test_resume_after_kill_mid_continuation(tmp_path, base_model):
    base = tmp_path / "base.model"
    base_model.save(base)
    corpus = tmp_path / "more.txt"
    corpus.write_text("\n".join(" ".join(s) for s in topic_corpus(300, 7, grown_topics())) + "\n")
    script = tmp_path / "run.py"
    script.write_text(KILLED_RUN)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    ck = tmp_path / "ck"
    proc = subprocess.run([sys.executable, str(script), str(base), str(corpus), str(ck), "1"], env=env)
    assert proc.returncode == -signal.SIGKILL and ck.exists()
    # A plain fit refuses the continuation's checkpoint; another model cannot resume it.
    with pytest.raises(ParameterError, match="fit_more"):
        Word2Vec(epochs=3, **FAST).fit(str(corpus), checkpoint=ck)
    other = Word2Vec(epochs=1, **FAST).fit(topic_corpus(200, 9, TOPICS))
    with pytest.raises(ParameterError, match="continues another model"):
        other.fit_more(str(corpus), epochs=3, checkpoint=ck)
    resumed = Word2Vec.load(base).fit_more(str(corpus), epochs=3, checkpoint=ck)
    assert len(resumed.training_log_) == 3
    straight = Word2Vec.load(base).fit_more(str(corpus), epochs=3)
    np.testing.assert_array_equal(resumed.input_vectors_, straight.input_vectors_)
    np.testing.assert_array_equal(resumed.output_vectors_, straight.output_vectors_)
    assert resumed.vocab_.words == straight.vocab_.words


# --- vocabulary files and rules ------------------------------------------------------------------------
def test_vocab_file_round_trip_and_errors(tmp_path):
    vocab = Vocabulary.build([["the", "cat", "the", "dog", "the", "cat"]], min_count=1)
    path = tmp_path / "vocab.txt"
    vocab.save(path)
    assert path.read_text().splitlines() == ["</s> 0", "the 3", "cat 2", "dog 1"]
    again = Vocabulary.load(path)
    assert again.words == vocab.words and again.counts.tolist() == vocab.counts.tolist()
    assert Vocabulary.load(path, min_count=2).words == ["the", "cat"]
    (tmp_path / "bad.txt").write_text("the 3\ncat two\n")
    with pytest.raises(FormatError, match=r"bad.txt, line 2"):
        Vocabulary.load(tmp_path / "bad.txt")
    with pytest.raises(ParameterError, match="whitespace"):
        Vocabulary(["a b"], np.array([1]), 1).save(tmp_path / "x.txt")


def test_fit_with_a_vocabulary_file(tmp_path):
    corpus = topic_corpus(200, 1, TOPICS)
    path = tmp_path / "v.txt"
    Vocabulary(["animal1", "colour2", "number3"], np.array([50, 40, 1]), 91).save(path)
    model = Word2Vec(epochs=1, **FAST).fit(corpus, vocabulary=path)
    assert model.vocab_.words == ["animal1", "colour2"]  # min_count=2 drops number3


def _c_tool(tmp_path) -> Path:
    source = ROOT.parent / "shared" / "peers" / "word2vec-c" / "word2vec.c"
    if not source.exists() or shutil.which("gcc") is None:
        pytest.skip("the word2vec C tool's source (../shared/peers) or gcc is not here")
    binary = tmp_path / "word2vec"
    subprocess.run(["gcc", str(source), "-o", str(binary), "-lm", "-pthread", "-O1", "-w"], check=True)
    return binary


def test_vocab_file_compatible_with_the_c_tool(tmp_path):
    binary = _c_tool(tmp_path)
    text = tmp_path / "corpus.txt"
    text.write_text(" ".join(" ".join(s) for s in topic_corpus(100, 1, TOPICS)) + "\n")
    theirs = tmp_path / "theirs.txt"
    run = [str(binary), "-train", str(text), "-output", str(tmp_path / "v.txt"), "-size", "8", "-iter", "1",
           "-threads", "1", "-min-count", "1"]  # fmt: skip
    subprocess.run([*run, "-save-vocab", str(theirs)], check=True, capture_output=True)
    ours = Vocabulary.build(str(text), min_count=1)
    read = Vocabulary.load(theirs)
    assert dict(zip(read.words, read.counts.tolist(), strict=True)) == dict(
        zip(ours.words, ours.counts.tolist(), strict=True)
    )
    ours_path, round_trip = tmp_path / "ours.txt", tmp_path / "round.txt"
    ours.save(ours_path)
    subprocess.run([*run, "-read-vocab", str(ours_path), "-save-vocab", str(round_trip)], check=True,
                   capture_output=True)  # fmt: skip
    assert Vocabulary.load(round_trip).counts.tolist() == ours.counts.tolist()
    assert set(Vocabulary.load(round_trip).words) == set(ours.words)


def _gensim_vocab(corpus, **kw):
    gensim = pytest.importorskip("gensim.models")
    kw = dict(kw)
    trim_rule = kw.pop("trim_rule", None)  # gensim applies a constructor's rule only to its own corpus
    model = gensim.Word2Vec(vector_size=8, workers=1, **kw)
    model.build_vocab(corpus, trim_rule=trim_rule)
    return set(model.wv.index_to_key)


def test_trim_rule_and_max_final_vocab_match_gensim():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    probs = 1.0 / np.arange(1, 301)
    corpus = [list(rng.choice(words, size=20, p=probs / probs.sum())) for _ in range(300)]

    def rule(word, count, min_count):
        if word.endswith("7"):
            return RULE_DISCARD
        if word.endswith("3"):
            return RULE_KEEP
        return RULE_DEFAULT

    cases = (
        {"min_count": 5, "trim_rule": rule},
        {"min_count": 1, "max_final_vocab": 40},
        {"min_count": 3, "max_final_vocab": 25, "trim_rule": rule},
        {"min_count": 2, "max_final_vocab": 1000},
    )
    for kw in cases:
        ours = Vocabulary.build(corpus, **kw)
        assert set(ours.words) == _gensim_vocab(corpus, **kw), kw
    with pytest.raises(ParameterError, match="RULE_KEEP"):
        Vocabulary.build(corpus, min_count=1, trim_rule=lambda w, c, m: 7)


def test_word2vec_trim_rule_and_max_final_vocab():
    corpus = topic_corpus(200, 1, TOPICS)
    model = Word2Vec(epochs=1, trim_rule=lambda w, c, m: RULE_DISCARD if w.startswith("place") else 0,
                     max_final_vocab=30, **FAST).fit(corpus)  # fmt: skip
    assert not any(w.startswith("place") for w in model.vocab_.words) and len(model.vocab_) <= 30
    assert model.params_["trim_rule"].endswith("<lambda>")


# --- init_vectors and lock_init ---------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["negative", "hierarchical", "softmax"])
@pytest.mark.parametrize("architecture", ["skipgram", "cbow"])
def test_locked_rows_stay_bit_identical(architecture, loss, tmp_path):
    if (architecture, loss) == ("cbow", "softmax"):
        pytest.skip("the full softmax is skip-gram only")
    corpus = topic_corpus(200, 1, TOPICS)
    rng = np.random.default_rng(5)
    shared = TOPICS["animal"] + ["notinvocab"]
    kv = KeyedVectors(shared, rng.standard_normal((len(shared), 16)).astype(np.float32))
    path = tmp_path / "init.txt"
    kv.save_word2vec_format(path, binary=False)
    params = dict(FAST, architecture=architecture, loss=loss, batch_size=16)
    locked = Word2Vec(epochs=2, init_vectors=path, lock_init=True, **params).fit(corpus)
    free = Word2Vec(epochs=2, init_vectors=kv, **params).fit(corpus)
    text_kv = KeyedVectors.load_word2vec_format(path)
    for word in TOPICS["animal"]:
        np.testing.assert_array_equal(locked.wv_[word], text_kv[word])
        assert not np.array_equal(free.wv_[word], text_kv[word])
    moved = np.abs(locked.wv_["colour1"]).max()
    assert moved > 0.5 / 16  # unlocked rows learn (they start inside ±0.5/D)
    # saved and loaded with the lock factor, which a continuation extends
    locked.save(tmp_path / "m")
    again = Word2Vec.load(tmp_path / "m")
    assert again.lock_factor_.tolist() == locked.lock_factor_.tolist()
    if loss != "hierarchical":
        again.fit_more(topic_corpus(100, 3, grown_topics()), epochs=1)
        for word in TOPICS["animal"]:
            np.testing.assert_array_equal(again.wv_[word], text_kv[word])


def test_init_vectors_errors():
    kv = KeyedVectors(["animal1"], np.ones((1, 5), np.float32))
    with pytest.raises(ParameterError, match="5 dimensions but vector_size is 16"):
        Word2Vec(epochs=1, init_vectors=kv, **FAST).fit(topic_corpus(50, 1, TOPICS))
    with pytest.raises(ParameterError, match="init_vectors is None"):
        Word2Vec(lock_init=True, **FAST).fit(topic_corpus(50, 1, TOPICS))
    with pytest.raises(ParameterError, match="cannot keep rows fixed"):
        Word2Vec(init_vectors=kv, lock_init=True, backend="torch", **FAST).fit(topic_corpus(50, 1, TOPICS))


def test_estimate_memory_numbers(base_model):
    e = Word2Vec(vector_size=100).estimate_memory(vocab_size=10_000, corpus_words=1_000_000)
    assert e["W"] == e["W'"] == 10_000 * 100 * 4
    assert e["tables"] == 10_000 * 28 and e["huffman"] == 0
    assert e["corpus"] == 4_000_000 + (1_000_000 // 10_000 + 1) * 8
    assert e["total"] == sum(v for k, v in e.items() if k != "total")
    hs = Word2Vec(vector_size=100, loss="hierarchical").estimate_memory(vocab_size=10_000)
    assert hs["W'"] == 9_999 * 400 and hs["huffman"] > 0
    fitted = base_model.estimate_memory()
    assert fitted["W"] == base_model.input_vectors_.nbytes
    with pytest.raises(ParameterError, match="vocab_size"):
        Word2Vec().estimate_memory()


def test_cli_continue_and_vocab_files(tmp_path, capsys):
    from skipgram.cli import main

    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("\n".join(" ".join(s) for s in topic_corpus(200, 1, TOPICS)) + "\n")
    second.write_text("\n".join(" ".join(s) for s in topic_corpus(200, 2, grown_topics())) + "\n")
    common = ["--vector-size", "8", "--epochs", "1", "--workers", "1", "--sample", "0", "--no-progress"]
    keep = tmp_path / "drop.txt"
    keep.write_text("place1 place2\n")
    vocab_file = tmp_path / "vocab.txt"
    assert main(["train", str(first), "-o", str(tmp_path / "v1.txt"), "--save-model", str(tmp_path / "m1"),
                 "--save-vocab", str(vocab_file), "--drop-words", str(keep), *common]) == 0  # fmt: skip
    words = Vocabulary.load(vocab_file).words
    assert "place1" not in words and "place3" in words
    assert main(["train", str(second), "-o", str(tmp_path / "v2.txt"), "--init-from", str(tmp_path / "m1"),
                 "--save-model", str(tmp_path / "m2"), *common]) == 0  # fmt: skip
    grown = Word2Vec.load(tmp_path / "m2")
    assert "newanimal0" in grown.vocab_ and 0 < grown.continuation_["blend"] < 1  # auto, saved
    assert main(["train", str(second), "-o", str(tmp_path / "v4.txt"), "--init-from", str(tmp_path / "m1"),
                 "--save-model", str(tmp_path / "m4"), "--blend", "0", *common]) == 0  # fmt: skip
    assert Word2Vec.load(tmp_path / "m4").continuation_["blend"] == 0.0
    assert main(["train", str(second), "-o", str(tmp_path / "v5.txt"), "--blend", "0.5", *common]) == 1
    assert "--blend applies to continuing a model" in capsys.readouterr().err
    assert main(["train", str(second), "-o", str(tmp_path / "v5.txt"), "--init-from", str(tmp_path / "m1"),
                 "--blend", "lots", *common]) == 1  # fmt: skip
    assert "--blend must be 'auto' or a number in [0, 1]; got 'lots'" in capsys.readouterr().err
    assert main(["train", str(second), "-o", str(tmp_path / "v5.txt"), "--init-from", str(tmp_path / "m1"),
                 "--blend", "2", *common]) == 1  # fmt: skip
    assert "--blend must be 'auto' or a number in [0, 1]; got '2'" in capsys.readouterr().err
    args = ["--init-from", str(tmp_path / "v1.txt"), "--lock-init", "--read-vocab", str(vocab_file)]
    assert main(["train", str(second), "-o", str(tmp_path / "v3.txt"), *args, *common]) == 0
    v1, v3 = (
        KeyedVectors.load_word2vec_format(tmp_path / "v1.txt"),
        KeyedVectors.load_word2vec_format(tmp_path / "v3.txt"),
    )
    np.testing.assert_allclose(v3["animal1"], v1["animal1"], atol=1e-5)  # text format rounds


def test_warns_before_training_when_memory_is_short(monkeypatch, caplog):
    import skipgram._estimate as estimate

    monkeypatch.setattr(estimate, "available_memory", lambda: 1000)
    with caplog.at_level("WARNING", logger="skipgram.model"):
        Word2Vec(epochs=1, **FAST).fit(topic_corpus(50, 1, TOPICS))
    assert any("only 0 MB are available" in r.getMessage() and "W'" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(estimate, "available_memory", lambda: 10**12)
    caplog.clear()
    with caplog.at_level("WARNING", logger="skipgram.model"):
        Word2Vec(epochs=1, **FAST).fit(topic_corpus(50, 1, TOPICS))
    assert not any("are available" in r.getMessage() for r in caplog.records)
