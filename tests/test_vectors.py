"""KeyedVectors: construction, indexing, queries on hand-built geometry, caching, batching."""

from __future__ import annotations

import time

import numpy as np
import pytest

from skipgram.vectors import KeyedVectors, UnknownWordError

# A constructed geometry: dimension 0 = "royalty", 1 = "female", 2 = a shared offset, 3 = "fruit".
WORDS = ["man", "woman", "king", "queen", "apple", "prince", "zero"]
VECTORS = np.array(
    [
        [1.0, 0.0, 1.0, 0.0],  # man
        [1.0, 1.0, 1.0, 0.0],  # woman
        [3.0, 0.0, 1.0, 0.0],  # king
        [3.0, 1.0, 1.0, 0.0],  # queen
        [0.0, 0.0, 0.2, 3.0],  # apple
        [2.5, 0.1, 1.0, 0.1],  # prince
        [0.0, 0.0, 0.0, 0.0],  # zero vector
    ],
    dtype=np.float32,
)


@pytest.fixture
def wv() -> KeyedVectors:
    return KeyedVectors(WORDS, VECTORS, counts=[70, 60, 50, 40, 30, 20, 10], metadata={"a": 1})


def test_construction_and_indexing(wv):
    assert len(wv) == 7 and wv.vector_size == 4
    assert wv.vectors.dtype == np.float32 and wv.counts.dtype == np.int64
    assert wv.words == WORDS
    assert wv.index("queen") == 3
    np.testing.assert_array_equal(wv["queen"], VECTORS[3])
    np.testing.assert_array_equal(wv[["apple", "man"]], VECTORS[[4, 0]])
    assert "king" in wv and "kong" not in wv and 3 not in wv
    assert wv.metadata == {"a": 1}
    assert list(wv) == WORDS
    assert "7 words" in repr(wv)


def test_unknown_word_names_word_and_suggestion(wv):
    with pytest.raises(KeyError) as info:
        wv["kinng"]
    assert isinstance(info.value, UnknownWordError)
    assert "'kinng'" in str(info.value) and "'king'" in str(info.value)
    with pytest.raises(KeyError, match="quen"):
        wv.most_similar("quen")


@pytest.mark.parametrize(
    ("words", "vectors", "message"),
    [
        (["a", "a"], np.ones((2, 2)), "more than once"),
        (["a", "b"], np.ones((3, 2)), "one row per word"),
        (["a", "b"], np.ones(2), "2-D"),
        (["a", "b"], [[1, np.nan], [1, 1]], "'a'.*NaN"),
        (["a", "b"], [[1, 1], [np.inf, 1]], "'b'"),
        (["a", ""], np.ones((2, 2)), "non-empty"),
        (["a", "b\nc"], np.ones((2, 2)), "newlines"),
        (["a", "b"], [["x", "y"], ["z", "w"]], "numbers"),
        (["a", "b"], [[1e300, 1], [1, 1]], "infinity"),  # overflows float32
    ],
)
def test_construction_rejects_bad_input(words, vectors, message):
    with pytest.raises(ValueError, match=message):
        KeyedVectors(words, vectors)


def test_counts_validated():
    with pytest.raises(ValueError, match="negative"):
        KeyedVectors(["a"], [[1.0]], counts=[-1])
    with pytest.raises(ValueError, match="integers"):
        KeyedVectors(["a"], [[1.0]], counts=[1, 2])


def test_vectors_are_read_only_and_setter_invalidates_cache(wv):
    with pytest.raises(ValueError):
        wv.vectors[0, 0] = 5.0
    before = wv.most_similar("apple", topn=1)[0][0]
    assert before == "prince"
    changed = VECTORS.copy()
    changed[0] = [0, 0, 0.3, 3]  # man now points at apple
    wv.vectors = changed
    assert wv.most_similar("apple", topn=1)[0][0] == "man"


def test_input_array_not_modified_or_frozen():
    data = np.ones((2, 3), dtype=np.float32)
    wv = KeyedVectors(["a", "b"], data)
    data[0, 0] = 2.0  # the caller's array stays writable
    assert data.flags.writeable and wv.vectors.shape == (2, 3)


def test_unit_vectors_cached_and_zero_safe(wv):
    unit = wv.unit_vectors
    assert unit is wv.unit_vectors
    assert np.isfinite(unit).all()
    np.testing.assert_allclose(np.linalg.norm(unit[:6], axis=1), 1.0, rtol=1e-6)
    assert not unit[6].any()
    assert wv.similarity("zero", "king") == 0.0
    sims = wv.most_similar("zero")
    assert all(np.isfinite(s) for _, s in sims)


def test_most_similar_3cosadd_known_answer(wv):
    result = wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert result[0][0] == "queen"
    assert {"king", "woman", "man"}.isdisjoint(w for w, _ in result)
    assert [s for _, s in result] == sorted((s for _, s in result), reverse=True)
    assert wv.analogy("man", "king", "woman")[0][0] == "queen"
    assert wv.analogy("man", "king", "woman", method="3cosmul")[0][0] == "queen"


def test_most_similar_excludes_query_words_and_accepts_vectors(wv):
    result = wv.most_similar("king", topn=None)
    assert "king" not in [w for w, _ in result] and len(result) == 6
    # A vector query excludes nothing: the word itself comes back first with cosine 1.
    top = wv.most_similar(wv["king"], topn=1)[0]
    assert top[0] == "king" and top[1] == pytest.approx(1.0, abs=1e-6)
    mixed = wv.most_similar([wv["king"], "woman"], negative="man", topn=2)
    assert mixed[0][0] in ("queen", "king")


def test_most_similar_scores_are_cosines(wv):
    word, score = wv.most_similar("king", topn=1)[0]
    a, b = VECTORS[2], VECTORS[WORDS.index(word)]
    assert score == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), rel=1e-5)


def test_restrict_vocab(wv):
    result = wv.most_similar("king", topn=None, restrict_vocab=4)
    assert {w for w, _ in result} == {"man", "woman", "queen"}


def test_most_similar_needs_a_term(wv):
    with pytest.raises(ValueError, match="at least one"):
        wv.most_similar()
    with pytest.raises(ValueError, match="shape"):
        wv.most_similar(np.ones(3))


def test_3cosmul_differs_from_3cosadd():
    # 3CosAdd lets one large similarity outweigh a negative one ("p": cos 0.99 to b, -0.1 to c);
    # 3CosMul multiplies, so it prefers a candidate similar to both ("q": 0.4 and 0.4).
    b, c = [1.0, 0.0, 0.0], [-0.1, 0.995, 0.0]
    p, q = [0.99, 0.0, 0.141], [0.4, 0.442, 0.803]
    wv = KeyedVectors(["b", "c", "p", "q"], [b, c, p, q])
    assert wv.most_similar(positive=["b", "c"], topn=1)[0][0] == "p"
    assert wv.most_similar_cosmul(positive=["b", "c"], topn=1)[0][0] == "q"


def test_cosmul_formula(wv):
    unit = wv.unit_vectors
    word, score = wv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=1)[0]
    d = unit[wv.index(word)]
    cos = [(1 + d @ unit[wv.index(w)]) / 2 for w in ("king", "woman", "man")]
    assert score == pytest.approx(cos[0] * cos[1] / (cos[2] + 1e-3), rel=1e-5)


def test_similarity_and_doesnt_match(wv):
    assert wv.similarity("king", "queen") == pytest.approx(wv.similarity("queen", "king"))
    assert wv.similarity("king", "queen") > wv.similarity("king", "apple")
    assert wv.doesnt_match(["king", "queen", "prince", "apple"]) == "apple"
    with pytest.raises(KeyError):
        wv.doesnt_match(["king", "nope"])


def test_most_similar_batch_matches_single_queries(wv):
    words = ["king", "apple", "woman", "zero"]
    batch = wv.most_similar_batch(words, topn=3)
    for word, result in zip(words, batch, strict=True):
        single = wv.most_similar(word, topn=3)
        assert [w for w, _ in result] == [w for w, _ in single]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in single], rtol=1e-5)
    assert all(len(r) == 6 for r in wv.most_similar_batch(words, topn=100))
    by_vector = wv.most_similar_batch(wv[["king"]], topn=1)
    assert by_vector[0][0][0] == "king"


def test_most_similar_batch_is_fast():
    rng = np.random.default_rng(0)
    wv = KeyedVectors([f"w{i}" for i in range(70_000)], rng.standard_normal((70_000, 100)))
    wv.unit_vectors  # noqa: B018  (normalise outside the timing)
    start = time.perf_counter()
    results = wv.most_similar_batch(wv.words[:1000], topn=10)
    elapsed = time.perf_counter() - start
    assert len(results) == 1000 and all(len(r) == 10 for r in results)
    assert results[5][0][0] == wv.most_similar("w5", topn=1)[0][0]
    assert elapsed < 3.0  # about 0.3 s on one core; generous for a shared CI machine
